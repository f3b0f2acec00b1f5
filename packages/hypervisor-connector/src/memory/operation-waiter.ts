import type { WaitOptions } from '../connector.js';
import {
  CancelledError,
  OperationFailedError,
  TimeoutError,
  UnavailableError,
} from '../errors/error-classes.js';
import { isOperationDone, type Operation } from '../model/operation.js';
import type { Clock } from './clock.js';
import type { OperationRunner } from './memory-operations.js';

/** What {@link waitForMemoryOperation} needs besides the caller's options. */
export interface WaiterContext {
  readonly runner: OperationRunner;
  readonly clock: Clock;
  readonly target?: string;
}

/**
 * Waits for `initial` (the operation as just read) to end. Changes are pushed by the runner, so `onProgress` sees every one of them
 * (progress, then the final status); an operation that has already ended resolves at once without calling it.
 * `timeoutMs` runs on the connector's clock and ends the wait with TIMEOUT (the operation keeps running); the
 * signal ends it with CANCELLED; closing the connector ends it with UNAVAILABLE.
 */
export function waitForMemoryOperation(
  context: WaiterContext,
  initial: Operation,
  options: WaitOptions,
): Promise<Operation> {
  const { runner, clock, target } = context;
  const operationId = initial.id;
  const origin = { operationId, ...(target === undefined ? {} : { target }) };
  const { signal, timeoutMs, onProgress, throwOnFailure = true } = options;

  return new Promise<Operation>((resolve, reject) => {
    let unsubscribe = () => {};
    let timer: unknown;
    let last = initial;
    let settled = false;

    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const finish = (operation: Operation) =>
      settle(() => {
        if (!throwOnFailure || operation.status === 'succeeded') resolve(operation);
        else if (operation.status === 'cancelled') {
          reject(new CancelledError(`operation ${operationId} was cancelled`, origin));
        } else {
          const message = operation.error?.message ?? 'the operation failed';
          reject(
            new OperationFailedError(`operation ${operationId} failed: ${message}`, {
              ...origin,
              retryable: false,
              details: { type: operation.type, ...(operation.guestId ? { guestId: operation.guestId } : {}) },
            }),
          );
        }
      });
    const onAbort = () =>
      settle(() => reject(new CancelledError('the wait was aborted', { ...origin, cause: signal?.reason })));
    const onChange = () => {
      if (runner.closed) {
        settle(() => reject(new UnavailableError('the connector was closed', origin)));
        return;
      }
      const current = runner.get(operationId);
      if (current === undefined || JSON.stringify(current) === JSON.stringify(last)) return;
      last = current;
      try {
        onProgress?.(structuredClone(current));
      } catch (error) {
        settle(() => reject(error));
        return;
      }
      if (isOperationDone(current)) finish(current);
    };

    if (isOperationDone(last)) {
      finish(last);
      return;
    }
    if (signal?.aborted) {
      onAbort();
      return;
    }
    unsubscribe = runner.subscribe(operationId, onChange);
    signal?.addEventListener('abort', onAbort, { once: true });
    // The caller read `initial` a moment ago: catch a change (or a close) that came in between.
    onChange();
    if (settled) return;
    if (timeoutMs !== undefined) {
      timer = clock.setTimeout(
        () =>
          settle(() =>
            reject(new TimeoutError(`operation ${operationId} did not end within ${timeoutMs} ms`, origin)),
          ),
        timeoutMs,
      );
    }
  });
}
