import { setTimeout as sleep } from 'node:timers/promises';
import {
  CancelledError,
  isHypervisorError,
  type Operation,
  parseInput,
  TimeoutError,
  WaitLimitsSchema,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { throwIfAborted } from '@hvc/hypervisor-connector-kit';
import type { WaitLimits } from './resolver-limits.js';

/** The guarded calls the poller makes; each holds a concurrency slot only while it runs. */
export interface OperationPollCalls {
  /** One `getOperation` call. */
  readonly poll: (signal: AbortSignal) => Promise<Operation>;
  /** The connector's own `waitForOperation`, for the final answer (and when the operation is not visible yet). */
  readonly wait: (options: WaitOptions) => Promise<Operation>;
}

/**
 * Waits for an operation by polling `getOperation` with growing pauses (×1.5 with jitter, up to `maxPollMs`).
 *
 * Why not simply call the connector's own `waitForOperation`: a wait can last minutes, and holding a concurrency
 * slot for all of it would let a few long waits starve every other call to the target. Here a slot is held only
 * while a poll runs. Once a poll sees the operation ended, the connector's own `waitForOperation` gives the final
 * answer, so its semantics (OPERATION_FAILED with the task log, warnings, `throwOnFailure`) stay exactly the
 * connector's. When a poll answers NOT_FOUND (a just-started task some hypervisors do not list yet, or an unknown
 * id), the rest of the wait is left to the connector, which knows which of the two it is.
 */
export async function pollOperation(
  operationId: string,
  options: WaitOptions,
  limits: Required<WaitLimits>,
  calls: OperationPollCalls,
  target: string,
): Promise<Operation> {
  const { signal, onProgress, throwOnFailure } = options;
  const { timeoutMs } = parseInput(WaitLimitsSchema, { timeoutMs: options.timeoutMs }, 'wait options');
  throwIfAborted(signal);
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const timedOut = () =>
    new TimeoutError(`operation did not end within ${timeoutMs} ms`, { operationId, target });
  const remaining = () => (deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now());
  let pause = limits.initialPollMs;
  let lastSeen: string | undefined;
  for (;;) {
    if (remaining() <= 0) throw timedOut();
    const deadlinePoll = withDeadline(signal, remaining());
    let operation: Operation;
    try {
      operation = await calls.poll(deadlinePoll.signal);
    } catch (error) {
      if (remaining() <= 0 && !signal?.aborted) throw timedOut();
      if (!isHypervisorError(error, 'NOT_FOUND')) throw error;
      const left = remaining();
      return calls.wait({
        ...(signal === undefined ? {} : { signal }),
        ...(Number.isFinite(left) ? { timeoutMs: Math.max(1, Math.ceil(left)) } : {}),
        ...(onProgress === undefined ? {} : { onProgress }),
        ...(throwOnFailure === undefined ? {} : { throwOnFailure }),
      });
    } finally {
      deadlinePoll.dispose();
    }
    const seen = JSON.stringify([
      operation.status,
      operation.progress,
      operation.endedAt,
      operation.warnings,
    ]);
    if (seen !== lastSeen) {
      lastSeen = seen;
      onProgress?.(operation);
    }
    if (operation.status !== 'running') {
      return calls.wait({
        ...(signal === undefined ? {} : { signal }),
        ...(throwOnFailure === undefined ? {} : { throwOnFailure }),
      });
    }
    const jittered = pause * (0.8 + Math.random() * 0.4);
    await sleepBetweenPolls(Math.max(0, Math.min(jittered, remaining())), signal);
    pause = Math.min(pause * 1.5, limits.maxPollMs);
  }
}

/**
 * `signal` combined with the wait's deadline in `ms` (when finite). The deadline aborts as a plain abort, not as a
 * timeout: the poll that runs into the wait's own deadline says nothing about the target's health.
 */
function withDeadline(signal: AbortSignal | undefined, ms: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = Number.isFinite(ms)
    ? setTimeout(() => controller.abort(new DOMException('the wait reached its deadline', 'AbortError')), ms)
    : undefined;
  const signals = signal === undefined ? [controller.signal] : [signal, controller.signal];
  return {
    signal: signals.length === 1 ? controller.signal : AbortSignal.any(signals),
    dispose: () => clearTimeout(timer),
  };
}

/**
 * Sleeps between polls, or rejects with CANCELLED when `signal` fires. The timer keeps the process alive: a script
 * that awaits a wait must not exit half-way through it.
 */
async function sleepBetweenPolls(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    throw new CancelledError('the call was aborted', { cause: signal?.reason ?? error });
  }
}
