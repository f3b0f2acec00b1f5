import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import * as wire from '@hvc/client/v1';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../io.js';
import { OPERATIONS } from '../output/views.js';
import { allPages } from './all-pages.js';
import { action, type CommandRun } from './command-run.js';
import { count, targetOption } from './common-options.js';
import { watchOperation } from './operation-wait.js';

/** The verbs of `hvc operations` that make one call and print the operation it returns. */
const ONE_CALL = [
  ['get', 'getOperation', 'show an operation as it is now'],
  [
    'cancel',
    'cancelOperation',
    'stop a running operation (operator); cancelling an ended one changes nothing',
  ],
] as const;

const STATUSES: Record<string, wire.OperationStatus> = {
  running: wire.OperationStatus.RUNNING,
  succeeded: wire.OperationStatus.SUCCEEDED,
  failed: wire.OperationStatus.FAILED,
  cancelled: wire.OperationStatus.CANCELLED,
};

/** A `--since` time: ISO 8601 (`2026-12-05T10:00:00Z`, `2026-12-05`). */
function sinceTime(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('not an ISO 8601 time, e.g. 2026-12-05T10:00:00Z.');
  }
  return date;
}

/** The target's operations the flags ask for, newest first, page by page up to `--limit`. */
async function listOperations(run: CommandRun): Promise<wire.Operation[]> {
  const f = run.flags as unknown as {
    target: string;
    guest?: string;
    type?: string;
    status?: string;
    since?: Date;
    limit: number;
  };
  const filter = {
    targetId: f.target,
    ...(f.guest === undefined ? {} : { guestId: f.guest }),
    ...(f.type === undefined ? {} : { type: f.type }),
    ...(f.status === undefined ? {} : { status: STATUSES[f.status] }),
    ...(f.since === undefined ? {} : { since: timestampFromDate(f.since) }),
  };
  return allPages(f.limit, async (pageSize, pageToken) => {
    const page = await run
      .client()
      .operations.listOperations({ ...filter, pageSize, pageToken }, { signal: run.io.signal });
    return { items: page.operations, nextPageToken: page.nextPageToken };
  });
}

/** `hvc operations`: the long-running calls of a target. */
export function operationsCommand(io: CliIo): Command {
  const operations = new Command('operations').description(
    'long-running calls: follow, inspect and cancel them',
  );

  operations
    .command('list')
    .alias('ls')
    .description(
      "list a target's operations, newest first: on Proxmox the cluster's recent tasks, elsewhere those the server ran",
    )
    .addOption(targetOption())
    .option('--guest <id>', 'only operations on this guest, e.g. qemu/100')
    .option('--type <type>', 'only operations of this type, e.g. start, create, snapshot.create')
    .addOption(
      new Option('--status <status>', 'only operations in this status').choices(Object.keys(STATUSES)),
    )
    .option('--since <time>', 'only operations started at or after this ISO 8601 time', sinceTime)
    .option('--limit <n>', 'at most this many (0: all)', count, 100)
    .action(
      action(io, async (run) => {
        run.printer.list(OPERATIONS, await listOperations(run));
      }),
    );

  for (const [verb, method, description] of ONE_CALL) {
    operations
      .command(verb)
      .description(description)
      .argument('<id>', 'the operation id')
      .addOption(targetOption())
      .action(
        action(io, async (run, operationId) => {
          const request = { targetId: run.flags.target as string, operationId };
          const { operation } = await run.client().operations[method](request);
          if (operation) run.printer.one(OPERATIONS, operation);
        }),
      );
  }

  operations
    .command('watch')
    .description('follow an operation until it ends, with a progress bar on a terminal; exits 9 if it fails')
    .argument('<id>', 'the operation id')
    .addOption(targetOption())
    .action(action(io, (run, operationId) => watchOperation(run, run.flags.target as string, operationId)));

  return operations;
}
