import {
  isHypervisorError,
  type Operation,
  parseInput,
  WaitLimitsSchema,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { OperationWaiter, systemClock } from '@hvc/hypervisor-connector-kit';
import type { WaitLimits } from './resolver-limits.js';

/** The calls a {@link GuardedOperationWaiter} makes through the target's guards; each holds a slot while it runs. */
export interface GuardedOperationCalls {
  /** One `getOperation` call. */
  getOperation(operationId: string, signal: AbortSignal): Promise<Operation>;
  /** The connector's own `waitForOperation`. */
  waitForOperation(operationId: string, options: WaitOptions): Promise<Operation>;
}

/** How much longer each pause between polls is than the one before. */
const POLL_GROWTH = 1.5;

/**
 * `waitForOperation` through a target's guards, polling `getOperation` on the kit's {@link OperationWaiter}
 * (pauses from `initialPollMs` growing ×1.5 up to `maxPollMs`, the deadline, the signal and `onProgress`; concurrent
 * waits on one operation share one poll loop).
 *
 * Why not simply call the connector's own `waitForOperation`: a wait can last minutes, and holding a concurrency
 * slot for all of it would let a few long waits starve every other call to the target. Here a slot is held only
 * while a poll runs. Once a poll sees the operation ended, the connector's own `waitForOperation` gives the final
 * answer, so its semantics (OPERATION_FAILED with the task log, warnings, `throwOnFailure`) stay exactly the
 * connector's. When a poll answers NOT_FOUND (a just-started task some hypervisors do not list yet, or an unknown
 * id), the rest of the wait is left to the connector, which knows which of the two it is.
 */
export class GuardedOperationWaiter {
  readonly #waiter: OperationWaiter;
  readonly #calls: GuardedOperationCalls;

  constructor(limits: Required<WaitLimits>, target: string, calls: GuardedOperationCalls) {
    this.#waiter = new OperationWaiter({
      schedule: { initialMs: limits.initialPollMs, factor: POLL_GROWTH, maxMs: limits.maxPollMs },
      clock: systemClock,
      target,
    });
    this.#calls = calls;
  }

  /** Waits for `operationId` as the contract's `waitForOperation` does, polling through the guards. */
  async wait(operationId: string, options: WaitOptions): Promise<Operation> {
    const { signal, onProgress, throwOnFailure } = options;
    const { timeoutMs } = parseInput(WaitLimitsSchema, { timeoutMs: options.timeoutMs }, 'wait options');
    const deadline = timeoutMs === undefined ? undefined : systemClock.now() + timeoutMs;
    const calls = this.#calls;
    const source = { poll: (pollSignal: AbortSignal) => calls.getOperation(operationId, pollSignal) };
    try {
      await this.#waiter.wait(operationId, source, { signal, timeoutMs, onProgress, throwOnFailure: false });
    } catch (error) {
      if (!isHypervisorError(error, 'NOT_FOUND')) throw error;
      const left = deadline === undefined ? undefined : Math.max(1, Math.ceil(deadline - systemClock.now()));
      return calls.waitForOperation(operationId, { signal, timeoutMs: left, onProgress, throwOnFailure });
    }
    return calls.waitForOperation(operationId, { signal, throwOnFailure });
  }
}
