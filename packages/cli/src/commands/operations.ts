import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { OPERATIONS } from '../output/views.js';
import { action } from './command-run.js';
import { targetOption } from './common-options.js';
import { watchOperation } from './operation-wait.js';

/** `hvc operations`: the long-running calls of a target. */
export function operationsCommand(io: CliIo): Command {
  const operations = new Command('operations').description(
    'long-running calls: follow, inspect and cancel them',
  );

  operations
    .command('get')
    .description('show an operation as it is now')
    .argument('<id>', 'the operation id')
    .addOption(targetOption())
    .action(
      action(io, async (run, operationId) => {
        const { operation } = await run
          .client()
          .operations.getOperation({ targetId: run.flags.target as string, operationId });
        if (operation) run.printer.one(OPERATIONS, operation);
      }),
    );

  operations
    .command('watch')
    .description('follow an operation until it ends, with a progress bar on a terminal; exits 9 if it fails')
    .argument('<id>', 'the operation id')
    .addOption(targetOption())
    .action(action(io, (run, operationId) => watchOperation(run, run.flags.target as string, operationId)));

  operations
    .command('cancel')
    .description('stop a running operation (operator); cancelling an ended one changes nothing')
    .argument('<id>', 'the operation id')
    .addOption(targetOption())
    .action(
      action(io, async (run, operationId) => {
        const { operation } = await run
          .client()
          .operations.cancelOperation({ targetId: run.flags.target as string, operationId });
        if (operation) run.printer.one(OPERATIONS, operation);
      }),
    );

  return operations;
}
