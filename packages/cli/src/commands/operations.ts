import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { OPERATIONS } from '../output/views.js';
import { action } from './command-run.js';
import { targetOption } from './common-options.js';
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

/** `hvc operations`: the long-running calls of a target. */
export function operationsCommand(io: CliIo): Command {
  const operations = new Command('operations').description(
    'long-running calls: follow, inspect and cancel them',
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
