import { isHypervisorError, type Operation, type WaitOptions } from '@hvc/hypervisor-connector';
import { type Clock, systemClock } from '../clock/clock.js';
import type { BackoffPolicy } from '../retry/backoff.js';
import { endedOperationError, type OperationOrigin, waitAborted, waitTimedOut } from './operation-outcome.js';
import { type OperationSource, operationFingerprint } from './operation-source.js';

/**
 * How a wait polls: the first read at once, then `initialMs`, growing by `factor` up to `maxMs`. The schedule runs
 * from the start of the wait (a poll that queued behind a concurrency cap does not push the later ones back) and
 * is shifted once per wait by up to ±`jitter` of the first interval (default ±10 %), so waits started together
 * poll apart while each still sees its operation end as soon as its schedule allows.
 */
export type PollSchedule = BackoffPolicy;

/** What a waiter publishes about each poll, for diagnostics. */
export interface OperationPollEvent {
  readonly operationId: string;
  readonly event: 'poll' | 'done' | 'timeout' | 'cancelled';
  readonly status?: Operation['status'];
  /** Polls made so far by the shared loop. */
  readonly poll: number;
}

/** Settings of an {@link OperationWaiter}. */
export interface OperationWaiterOptions {
  /** How to poll; without one, the source must push changes (`subscribe`). */
  readonly schedule?: PollSchedule;
  /** The clock of schedules and deadlines. */
  readonly clock?: Clock;
  /** The target named in errors. */
  readonly target?: string;
  /** Told of every poll and of waits that end without an answer. */
  readonly onPoll?: (event: OperationPollEvent) => void;
}

interface Waiter {
  progress(operation: Operation): void;
  done(operation: Operation, details: Readonly<Record<string, unknown>>): void;
  error(error: unknown): void;
}

/** One poll loop per operation id, shared by every concurrent waiter of that id. */
interface SharedWatch {
  readonly waiters: Set<Waiter>;
  readonly controller: AbortController;
  last?: Operation;
  polls: number;
}

/**
 * Waits for operations to end, for any connector: polling with a growing interval (or woken by a source that
 * pushes changes), a per-wait deadline on the waiter's clock, abort, `onProgress` and `throwOnFailure` as the
 * contract's `WaitOptions` define them. Concurrent waits on one operation share one poll loop; it stops when the
 * last of them leaves.
 *
 * `onProgress` sees the operation as the first read finds it when it is still running, then every change; a wait
 * on an operation that has already ended resolves without calling it.
 */
export class OperationWaiter {
  readonly #options: OperationWaiterOptions;
  readonly #clock: Clock;
  readonly #watches = new Map<string, SharedWatch>();

  constructor(options: OperationWaiterOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Operations being waited for now. */
  get watching(): number {
    return this.#watches.size;
  }

  /**
   * Waits for `operationId` to end, reading it through `source` (used when no wait on that id is running yet).
   * Throws TIMEOUT at `options.timeoutMs`, CANCELLED when `options.signal` fires (the operation goes on in both
   * cases), the source's errors, and with `throwOnFailure` (the default) OPERATION_FAILED or CANCELLED for an
   * operation that failed or was cancelled.
   */
  wait(operationId: string, source: OperationSource, options: WaitOptions = {}): Promise<Operation> {
    const origin: OperationOrigin =
      this.#options.target === undefined ? { operationId } : { operationId, target: this.#options.target };
    const { signal, timeoutMs, onProgress, throwOnFailure = true } = options;
    if (signal?.aborted) return Promise.reject(waitAborted(signal, origin));
    return new Promise<Operation>((resolve, reject) => {
      let timer: unknown;
      let settled = false;
      let watch: SharedWatch | undefined;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (watch) this.#leave(operationId, watch, waiter);
        outcome();
      };
      const onAbort = () => {
        this.#options.onPoll?.({ operationId, event: 'cancelled', poll: watch?.polls ?? 0 });
        settle(() => reject(waitAborted(signal, origin)));
      };
      const waiter: Waiter = {
        progress: (operation) => {
          if (!onProgress) return;
          try {
            onProgress(operation);
          } catch (error) {
            settle(() => reject(error));
          }
        },
        done: (operation, details) =>
          settle(() => {
            if (!throwOnFailure || operation.status === 'succeeded') resolve(operation);
            else reject(endedOperationError(operation, origin, details));
          }),
        error: (error) => settle(() => reject(withOperationId(error, origin))),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = this.#clock.setTimeout(() => {
          this.#options.onPoll?.({ operationId, event: 'timeout', poll: watch?.polls ?? 0 });
          settle(() => reject(waitTimedOut(timeoutMs, origin)));
        }, timeoutMs);
      }
      watch = this.#join(operationId, source, waiter);
    });
  }

  #join(operationId: string, source: OperationSource, waiter: Waiter): SharedWatch {
    let watch = this.#watches.get(operationId);
    if (watch === undefined) {
      const created: SharedWatch = { waiters: new Set(), controller: new AbortController(), polls: 0 };
      watch = created;
      this.#watches.set(operationId, created);
      created.waiters.add(waiter);
      void this.#run(operationId, source, created);
      return created;
    }
    watch.waiters.add(waiter);
    if (watch.last?.status === 'running') waiter.progress(watch.last);
    return watch;
  }

  #leave(operationId: string, watch: SharedWatch, waiter: Waiter): void {
    watch.waiters.delete(waiter);
    if (watch.waiters.size > 0) return;
    watch.controller.abort();
    if (this.#watches.get(operationId) === watch) this.#watches.delete(operationId);
  }

  /** The shared loop: reads until the operation ends, the source fails, or every waiter has left. */
  async #run(operationId: string, source: OperationSource, watch: SharedWatch): Promise<void> {
    const { signal } = watch.controller;
    const schedule = this.#options.schedule;
    const clock = this.#clock;
    let wake: (() => void) | undefined;
    let changed = false;
    const unsubscribe = source.subscribe?.(() => {
      changed = true;
      wake?.();
    });
    let interval = schedule?.initialMs ?? 0;
    let nextPollAt = clock.now() + (schedule ? schedule.initialMs * shift(schedule.jitter ?? 0.1) : 0);
    try {
      for (;;) {
        changed = false;
        watch.polls += 1;
        const operation = await source.poll(signal);
        if (signal.aborted) return;
        const done = operation.status !== 'running';
        this.#options.onPoll?.({
          operationId,
          event: done ? 'done' : 'poll',
          status: operation.status,
          poll: watch.polls,
        });
        const first = watch.last === undefined;
        const isChange = first
          ? !done
          : operationFingerprint(operation) !== operationFingerprint(watch.last!);
        watch.last = operation;
        if (isChange) for (const waiter of [...watch.waiters]) waiter.progress(operation);
        if (done) {
          const details =
            operation.status === 'failed' && source.failureDetails
              ? await source.failureDetails(operation, signal).catch(() => ({}))
              : {};
          this.#finish(operationId, watch);
          for (const waiter of [...watch.waiters]) waiter.done(operation, details);
          return;
        }
        if (watch.waiters.size === 0) return;
        if (changed) continue;
        // Polls follow the schedule, but never closer than a fifth of the interval, so that they back off under
        // load; a source that pushes changes wakes the loop early.
        let delay = Number.POSITIVE_INFINITY;
        if (schedule) {
          const now = clock.now();
          nextPollAt = Math.max(nextPollAt + interval, now + interval / 5);
          delay = nextPollAt - now;
          interval = Math.min(schedule.maxMs, interval * schedule.factor);
        }
        await new Promise<void>((resolve) => {
          const timer = Number.isFinite(delay) ? clock.setTimeout(wakeUp, delay) : undefined;
          const onAbort = () => wakeUp();
          function wakeUp() {
            if (timer !== undefined) clock.clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            wake = undefined;
            resolve();
          }
          wake = wakeUp;
          signal.addEventListener('abort', onAbort, { once: true });
          if (changed) wakeUp();
        });
        if (signal.aborted) return;
      }
    } catch (error) {
      if (signal.aborted) return;
      this.#finish(operationId, watch);
      for (const waiter of [...watch.waiters]) waiter.error(error);
    } finally {
      unsubscribe?.();
    }
  }

  #finish(operationId: string, watch: SharedWatch): void {
    if (this.#watches.get(operationId) === watch) this.#watches.delete(operationId);
  }
}

/** A random share between -`jitter` and +`jitter`. */
function shift(jitter: number): number {
  return jitter === 0 ? 0 : Math.random() * 2 * jitter - jitter;
}

/** The source's error, with the operation id it belongs to when it names none. */
function withOperationId(error: unknown, origin: OperationOrigin): unknown {
  if (isHypervisorError(error) && error.operationId === undefined) {
    Object.defineProperty(error, 'operationId', { value: origin.operationId, enumerable: true });
  }
  return error;
}
