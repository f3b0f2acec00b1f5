import {
  CancelledError,
  isHypervisorError,
  type Operation,
  OperationFailedError,
  TimeoutError,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { publishTaskWait } from '../transport/diagnostics.js';
import type { OperationRef } from './operation-id.js';
import { operationChanged } from './task-outcome.js';
import { LOG_TAIL_LINES, type TaskService } from './task-service.js';
import type { Upid } from './upid.js';

/** How a wait polls. */
export interface PollingPolicy {
  readonly initialIntervalMs: number;
  /** Each interval is this many times the one before (1 polls at a fixed interval). */
  readonly backoffFactor: number;
  readonly maxIntervalMs: number;
}

const DEADLINE = Symbol('deadline');

/**
 * Waits for a task: polls at once, then with exponential backoff (the policy's factor) up to the policy's cap.
 * Polls are scheduled from when the wait began, so a poll that queued behind the target's concurrency cap does not
 * push the later ones back; each wait's schedule is shifted once by up to ±10 % of the first interval, so that
 * waits started together poll apart while each still sees its task end as soon as its schedule allows. Stops with
 * TIMEOUT at `timeoutMs`, with CANCELLED as soon as the signal fires (the poll in flight is aborted too), and
 * reports each change through `onProgress`. A failed task throws OPERATION_FAILED carrying the tail of its log in
 * `details.log` (unless `throwOnFailure` is false).
 */
export async function waitForTask(
  tasks: TaskService,
  ref: OperationRef & { task: Upid },
  id: string,
  policy: PollingPolicy,
  options: WaitOptions & { target?: string } = {},
): Promise<Operation> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const deadline =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(DEADLINE), options.timeoutMs);
  const signal = controller.signal;
  const errorOptions = {
    operationId: id,
    ...(options.target === undefined ? {} : { target: options.target }),
  };
  let last: Operation | undefined;
  let interval = policy.initialIntervalMs;
  let poll = 0;
  let nextPollAt = performance.now() + policy.initialIntervalMs * (Math.random() * 0.2 - 0.1);
  try {
    for (;;) {
      poll++;
      const operation = await tasks.get(ref, signal);
      publishTaskWait(() => ({
        ...(options.target === undefined ? {} : { target: options.target }),
        operationId: id,
        upid: ref.upid,
        event: operation.status === 'running' ? 'poll' : 'done',
        status: operation.status,
        poll,
      }));
      if (operationChanged(last, operation)) options.onProgress?.(operation);
      last = operation;
      if (operation.status !== 'running') return await finish(operation);
      // On schedule, unless the poll came back so late that the next would follow at once: never closer than a
      // fifth of the interval, so that polls still back off under load.
      const now = performance.now();
      nextPollAt = Math.max(nextPollAt + interval, now + interval / 5);
      await sleep(nextPollAt - now, signal);
      interval = Math.min(policy.maxIntervalMs, interval * policy.backoffFactor);
    }
  } catch (error) {
    if (signal.aborted) {
      const timedOut = signal.reason === DEADLINE;
      publishTaskWait(() => ({
        ...(options.target === undefined ? {} : { target: options.target }),
        operationId: id,
        upid: ref.upid,
        event: timedOut ? 'timeout' : 'cancelled',
        poll,
      }));
      if (timedOut) {
        throw new TimeoutError(`the operation did not end within ${options.timeoutMs} ms; it keeps running`, {
          ...errorOptions,
          cause: error,
        });
      }
      throw new CancelledError('the wait was aborted; the operation keeps running', {
        ...errorOptions,
        cause: error,
      });
    }
    if (isHypervisorError(error) && error.operationId === undefined) {
      Object.defineProperty(error, 'operationId', { value: id, enumerable: true });
    }
    throw error;
  } finally {
    if (deadline !== undefined) clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onAbort);
  }

  async function finish(operation: Operation): Promise<Operation> {
    if (options.throwOnFailure === false || operation.status === 'succeeded') return operation;
    if (operation.status === 'cancelled') {
      throw new CancelledError(
        `the operation was cancelled: ${operation.error?.message ?? ''}`.trim(),
        errorOptions,
      );
    }
    const log = await tasks.logTail(ref, LOG_TAIL_LINES, signal).catch(() => [] as string[]);
    throw new OperationFailedError(operation.error?.message ?? 'the operation failed', {
      ...errorOptions,
      details: {
        log,
        upid: ref.upid,
        type: operation.type,
        ...(operation.guestId ? { guestId: operation.guestId } : {}),
      },
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
