import { type HypervisorConnector, isOperationDone, type Operation } from '@hvc/hypervisor-connector';
import { createAsyncQueue } from './async-queue.js';

/** How a watch keeps checking that its caller may still watch. */
export interface WatchRecheck {
  /** Throws when the caller lost access (disabled, demoted, removed); the watch then ends with that error. */
  readonly check: () => Promise<void>;
  readonly everyMs: number;
}

function sameState(a: Operation, b: Operation): boolean {
  return a.status === b.status && a.progress === b.progress && a.endedAt === b.endedAt;
}

/**
 * The operation now, then each change the connector's wait reports, ending with the message that reports it ended.
 * Every `recheck.everyMs` the caller's access is checked again, so a disabled user's open stream ends too.
 * Aborting `signal` stops the wait (never the operation).
 */
export async function* watchOperation(
  connector: HypervisorConnector,
  operationId: string,
  signal: AbortSignal,
  recheck?: WatchRecheck,
): AsyncGenerator<Operation> {
  let last = await connector.getOperation(operationId, { signal });
  yield last;
  if (isOperationDone(last)) return;
  const stop = new AbortController();
  const stopOn = AbortSignal.any([signal, stop.signal]);
  const queue = createAsyncQueue<Operation>();
  connector
    .waitForOperation(operationId, {
      signal: stopOn,
      throwOnFailure: false,
      onProgress: (op) => queue.push(op),
    })
    .then(
      (final) => {
        queue.push(final);
        queue.end();
      },
      (error: unknown) => queue.fail(error),
    );
  const timer = recheck
    ? setInterval(() => {
        recheck.check().catch((error: unknown) => queue.fail(error));
      }, recheck.everyMs)
    : undefined;
  timer?.unref();
  try {
    for await (const operation of queue) {
      if (sameState(operation, last)) continue;
      last = operation;
      yield operation;
      if (isOperationDone(operation)) return;
    }
  } finally {
    if (timer) clearInterval(timer);
    stop.abort();
  }
}
