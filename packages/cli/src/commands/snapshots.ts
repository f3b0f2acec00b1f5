import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { SNAPSHOTS } from '../output/views.js';
import { action } from './command-run.js';
import { intervalOption, noWaitOption, targetOption, waitOption, watchOption } from './common-options.js';
import { finishOperation } from './operation-wait.js';
import { listOrWatch } from './watch-list.js';

/** `hvc snapshots`: named point-in-time states of a guest. */
export function snapshotsCommand(io: CliIo): Command {
  const snapshots = new Command('snapshots').description(
    "a guest's snapshots (operators take, roll back and delete them)",
  );

  snapshots
    .command('list')
    .alias('ls')
    .description("list a guest's snapshots, oldest first")
    .argument('<guest>', 'the guest id, e.g. qemu/100')
    .addOption(targetOption())
    .addOption(watchOption())
    .addOption(intervalOption())
    .action(
      action(io, (run, guestId) =>
        listOrWatch(run, async (printer) => {
          const { snapshots } = await run
            .client()
            .snapshots.listSnapshots(
              { targetId: run.flags.target as string, guestId },
              { signal: run.io.signal },
            );
          printer.list(SNAPSHOTS, snapshots);
        }),
      ),
    );

  snapshots
    .command('create')
    .description('take a snapshot of a guest (operator)')
    .argument('<guest>', 'the guest id')
    .argument('<name>', "the snapshot's name")
    .addOption(targetOption())
    .option('--description <text>', 'a description')
    .option('--include-memory', "include a running VM's memory, to resume it where it was")
    .addOption(waitOption())
    .addOption(noWaitOption())
    .action(
      action(io, async (run, guestId, name) => {
        const description = run.flags.description as string | undefined;
        const { operation } = await run.client().snapshots.createSnapshot({
          targetId: run.flags.target as string,
          guestId,
          name,
          ...(description === undefined ? {} : { description }),
          includeMemory: run.flags.includeMemory === true,
        });
        await finishOperation(run, operation);
      }),
    );

  for (const [verb, description] of [
    ['rollback', 'put a guest back to a snapshot (operator)'],
    ['delete', 'delete a snapshot (operator)'],
  ] as const) {
    snapshots
      .command(verb)
      .description(description)
      .argument('<guest>', 'the guest id')
      .argument('<name>', "the snapshot's name")
      .addOption(targetOption())
      .addOption(waitOption())
      .addOption(noWaitOption())
      .action(
        action(io, async (run, guestId, name) => {
          const request = { targetId: run.flags.target as string, guestId, name };
          const { operation } =
            verb === 'rollback'
              ? await run.client().snapshots.rollbackSnapshot(request)
              : await run.client().snapshots.deleteSnapshot(request);
          await finishOperation(run, operation);
        }),
      );
  }

  return snapshots;
}
