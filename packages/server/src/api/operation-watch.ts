import { type HypervisorConnector, isOperationDone, type Operation } from '@hvc/hypervisor-connector';
import { createAsyncQueue } from './async-queue.js';

function sameState(a: Operation, b: Operation): boolean {
  return a.status === b.status && a.progress === b.progress && a.endedAt === b.endedAt;
}

/**
 * The operation now, then each change the connector's wait reports, ending with the message that reports it ended.
 * Aborting `signal` stops the wait (never the operation).
 */
export async function* watchOperation(
  connector: HypervisorConnector,
  operationId: string,
  signal: AbortSignal,
): AsyncGenerator<Operation> {
  let last = await connector.getOperation(operationId, { signal });
  yield last;
  if (isOperationDone(last)) return;
  const queue = createAsyncQueue<Operation>();
  connector
    .waitForOperation(operationId, { signal, throwOnFailure: false, onProgress: (op) => queue.push(op) })
    .then(
      (final) => {
        queue.push(final);
        queue.end();
      },
      (error: unknown) => queue.fail(error),
    );
  for await (const operation of queue) {
    if (sameState(operation, last)) continue;
    last = operation;
    yield operation;
    if (isOperationDone(operation)) return;
  }
}
