import { wire } from '@hvc/client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { operationProgress } from '../output/operation-progress.js';
import { OPERATIONS } from '../output/views.js';
import type { CommandRun } from './command-run.js';

/**
 * Follows an operation with `WatchOperation` until it ends, showing its progress on stderr; then prints it. A
 * failed operation exits 9 and a cancelled one 10, with the hypervisor's message; Ctrl+C stops waiting (exit 130)
 * and says how to pick the operation up again — the operation itself goes on.
 */
export async function watchOperation(run: CommandRun, targetId: string, operationId: string): Promise<void> {
  const progress = operationProgress(run.io.stderr, run.err);
  let last: wire.Operation | undefined;
  try {
    for await (const { operation } of run
      .client()
      .operations.watchOperation({ targetId, operationId }, { signal: run.io.signal })) {
      if (operation === undefined) continue;
      last = operation;
      progress.update(operation);
    }
  } catch (error) {
    progress.stop();
    if (!run.io.signal.aborted) throw error;
    throw new CliError(
      'stopped waiting; the operation goes on',
      EXIT.interrupted,
      `follow it with: hvc operations watch ${operationId} --target ${targetId}`,
    );
  }
  progress.stop();
  if (last === undefined || last.status === wire.OperationStatus.RUNNING)
    throw new CliError(`the watch of ${operationId} ended before the operation did`, EXIT.unavailable);
  run.printer.one(OPERATIONS, last);
  const why = last.error === undefined ? '' : `: ${last.error.code}: ${last.error.message}`;
  if (last.status === wire.OperationStatus.FAILED)
    throw new CliError(`${last.type} failed${why}`, EXIT.operationFailed);
  if (last.status === wire.OperationStatus.CANCELLED)
    throw new CliError(`${last.type} was cancelled${why}`, EXIT.cancelled);
}

/** What a long-running command does with the operation it started: wait for it (unless `--no-wait`), or print it. */
export async function finishOperation(run: CommandRun, operation: wire.Operation | undefined): Promise<void> {
  if (operation === undefined) return;
  if (run.flags.wait === false) {
    run.printer.one(OPERATIONS, operation);
    return;
  }
  await watchOperation(run, operation.targetId, operation.id);
}
