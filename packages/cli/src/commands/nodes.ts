import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { NODES } from '../output/views.js';
import { action } from './command-run.js';
import { intervalOption, targetOption, watchOption } from './common-options.js';
import { listOrWatch } from './watch-list.js';

/** `hvc nodes`: the host nodes of a target. */
export function nodesCommand(io: CliIo): Command {
  const nodes = new Command('nodes').description('the host nodes of a target');

  nodes
    .command('list')
    .alias('ls')
    .description("list a target's nodes with their state, CPUs, memory and load, ordered by name")
    .addOption(targetOption())
    .addOption(watchOption())
    .addOption(intervalOption())
    .action(
      action(io, (run) =>
        listOrWatch(run, async (printer) => {
          const { nodes } = await run
            .client()
            .targets.listNodes({ targetId: run.flags.target as string }, { signal: run.io.signal });
          printer.list(NODES, nodes);
        }),
      ),
    );

  return nodes;
}
