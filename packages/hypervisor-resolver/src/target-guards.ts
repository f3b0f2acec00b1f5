import { type HypervisorConnector, isHypervisorError, UnavailableError } from '@hvc/hypervisor-connector';
import {
  ConcurrencyLimiter,
  type ConnectorCall,
  type ConnectorMiddleware,
} from '@hvc/hypervisor-connector-kit';
import { CallTracker } from './call-tracker.js';
import {
  type BreakerPermit,
  type BreakerSnapshot,
  type BreakerTransition,
  type CallOutcome,
  CircuitBreaker,
} from './circuit-breaker.js';
import { GuardedOperationWaiter } from './guarded-operation-waiter.js';
import type { EvictionReason } from './resolver-events.js';
import type { EffectiveGuardLimits, WaitLimits } from './resolver-limits.js';

/** What {@link TargetGuards} are built from. */
export interface TargetGuardsOptions {
  readonly targetId: string;
  /** The target's connector, behind the guards. */
  readonly inner: HypervisorConnector;
  readonly limits: EffectiveGuardLimits;
  readonly wait: Required<WaitLimits>;
  /** The clock of the breaker and of idle times. */
  readonly now: () => number;
  readonly onBreakerChange: (transition: BreakerTransition) => void;
  /** Called by the resolved connector's `close()`: the resolver retires it and closes `inner` once drained. */
  readonly release: () => Promise<void>;
}

/** One resolved connector's counters. */
export interface GuardStats {
  /** Calls started (fail-fast rejections included). */
  readonly calls: number;
  /** Calls that ended in an error, whatever its origin. */
  readonly failures: number;
  /** Calls refused by the guards: breaker open or queue full. */
  readonly rejected: number;
  /** Calls in flight (running, queued or waiting on an operation). */
  readonly inFlight: number;
  /** Watches (`watchGuests`) open: each keeps the connector from idle eviction, none delays its close. */
  readonly openStreams: number;
  /** Calls holding a concurrency slot. */
  readonly running: number;
  /** Calls waiting for a slot. */
  readonly queued: number;
  /** The breaker's state and counters; absent when the breaker is off. */
  readonly breaker?: BreakerSnapshot;
}

/**
 * The guards of one target, as the middleware every call of its resolved connector passes (`wrapConnector`): the
 * circuit breaker (fails fast with UNAVAILABLE while open), then a slot of the concurrency cap (or a place in the
 * bounded queue; UNAVAILABLE when it is full), then the call. Errors from the connector pass through unchanged.
 * `waitForOperation` holds a slot only while it polls ({@link GuardedOperationWaiter}). Once the resolver retires
 * the guards (config changed, evicted, closed), new calls fail with UNAVAILABLE (retryable: resolve the target
 * again) while calls in flight finish.
 */
export class TargetGuards implements ConnectorMiddleware {
  readonly targetId: string;
  readonly inner: HypervisorConnector;
  readonly #limiter: ConcurrencyLimiter;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #tracker = new CallTracker();
  readonly #waiter: GuardedOperationWaiter;
  readonly #now: () => number;
  readonly #release: () => Promise<void>;
  #retired: EvictionReason | undefined;
  #lastUsedAt: number;
  #openStreams = 0;
  #calls = 0;
  #failures = 0;
  #rejected = 0;

  constructor(options: TargetGuardsOptions) {
    const { targetId, inner, limits } = options;
    this.targetId = targetId;
    this.inner = inner;
    this.#limiter = new ConcurrencyLimiter(limits.maxConcurrentCalls, {
      maxQueued: limits.maxQueuedCalls,
      target: targetId,
    });
    this.#breaker =
      limits.breaker === false
        ? undefined
        : new CircuitBreaker(limits.breaker, targetId, options.now, options.onBreakerChange);
    this.#waiter = new GuardedOperationWaiter(options.wait, targetId, {
      getOperation: (operationId, signal) =>
        this.#guarded(signal, () => inner.getOperation(operationId, { signal })),
      waitForOperation: (operationId, waitOptions) =>
        this.#guarded(waitOptions.signal, () => inner.waitForOperation(operationId, waitOptions)),
    });
    this.#now = options.now;
    this.#release = options.release;
    this.#lastUsedAt = options.now();
  }

  /** When a call last started or ended. */
  get lastUsedAt(): number {
    return this.#lastUsedAt;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** Streams open (established watches not yet ended). */
  get openStreams(): number {
    return this.#openStreams;
  }

  /** Refuses new calls from now on; calls in flight go on. */
  retire(reason: EvictionReason): void {
    this.#retired ??= reason;
  }

  /** Resolves once no call is in flight. */
  drained(): Promise<void> {
    return this.#tracker.drained();
  }

  /** Counters for stats. */
  stats(): GuardStats {
    return {
      calls: this.#calls,
      failures: this.#failures,
      rejected: this.#rejected,
      inFlight: this.#tracker.inFlight,
      openStreams: this.#openStreams,
      running: this.#limiter.active,
      queued: this.#limiter.queued,
      ...(this.#breaker === undefined ? {} : { breaker: this.#breaker.snapshot() }),
    };
  }

  /**
   * Every contract method: through the guards, but `waitForOperation`, whose polls each pass them. A watch
   * (`watchGuests`) passes them to be established, and stays in flight until its iteration ends.
   */
  call(call: ConnectorCall, next: () => Promise<unknown>): Promise<unknown> {
    if (call.method === 'watchGuests') return this.#openStream(call.options?.signal, next);
    if (call.method !== 'waitForOperation') return this.#track(call.options?.signal, next, true);
    const [operationId, options = {}] = call.args;
    return this.#track(undefined, () => this.#waiter.wait(operationId, options), false);
  }

  /** Runs `task` (a call to the connector) through the guards, as one call of the resolved connector. */
  run<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    return this.#track(signal, task, true);
  }

  /**
   * Hands the connector back to the resolver, which closes it once its calls in flight are done. The next
   * `resolve` of the target creates a new one.
   */
  close(): Promise<void> {
    this.retire('released');
    return this.#release();
  }

  /**
   * Establishes a stream as one call, then counts it open until its iteration ends — done, thrown, stopped by the
   * caller or its signal aborted — so idle eviction never closes the connector under it. A retired connector does
   * not wait for its streams: closing it ends them (UNAVAILABLE), as a deleted or changed target must not go on
   * streaming.
   */
  async #openStream(
    signal: AbortSignal | undefined,
    next: () => Promise<unknown>,
  ): Promise<AsyncIterable<unknown>> {
    // Counted from the establishment on, so no idle check falls between the call's end and the stream's start.
    this.#openStreams += 1;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      signal?.removeEventListener('abort', release);
      this.#lastUsedAt = this.#now();
      this.#openStreams -= 1;
    };
    let stream: AsyncIterable<unknown>;
    try {
      stream = (await this.#track(signal, next, true)) as AsyncIterable<unknown>;
    } catch (error) {
      release();
      throw error;
    }
    // A caller that aborts and never pulls again does not keep the connector.
    if (signal?.aborted) release();
    else signal?.addEventListener('abort', release, { once: true });
    return (async function* held() {
      try {
        yield* stream;
      } finally {
        release();
      }
    })();
  }

  /** Counts a call of the resolved connector from start to end, refusing it once retired. */
  async #track<T>(signal: AbortSignal | undefined, task: () => Promise<T>, guarded: boolean): Promise<T> {
    if (this.#retired !== undefined) {
      throw new UnavailableError(
        `the connector of target "${this.targetId}" was closed (${this.#retired}); resolve the target again`,
        {
          retryable: true,
          target: this.targetId,
          details: { reason: 'connector-retired', retired: this.#retired },
        },
      );
    }
    this.#calls += 1;
    this.#lastUsedAt = this.#now();
    this.#tracker.enter();
    try {
      return guarded ? await this.#guarded(signal, task) : await task();
    } catch (error) {
      this.#failures += 1;
      throw error;
    } finally {
      this.#lastUsedAt = this.#now();
      this.#tracker.leave();
    }
  }

  /** One call to the target through the breaker and the concurrency cap. */
  async #guarded<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    let permit: BreakerPermit | undefined;
    try {
      permit = this.#breaker?.admit();
    } catch (error) {
      this.#rejected += 1;
      throw error;
    }
    let release: () => void;
    try {
      release = await this.#limiter.acquire(signal);
    } catch (error) {
      if (isHypervisorError(error, 'UNAVAILABLE')) this.#rejected += 1;
      if (permit !== undefined) this.#breaker?.settle(permit, 'neutral');
      throw error;
    }
    try {
      const value = await task();
      if (permit !== undefined) this.#breaker?.settle(permit, 'success');
      return value;
    } catch (error) {
      if (permit !== undefined) {
        this.#breaker?.settle(permit, outcomeOf(error), isHypervisorError(error) ? error : undefined);
      }
      throw error;
    } finally {
      release();
    }
  }
}

/** What an error from the target says about its health. */
function outcomeOf(error: unknown): CallOutcome {
  if (isHypervisorError(error, 'UNAVAILABLE') || isHypervisorError(error, 'TIMEOUT')) return 'failure';
  if (isHypervisorError(error)) return error.code === 'CANCELLED' ? 'neutral' : 'success';
  // Not a contract error: a bug somewhere, not a sign of the target's health.
  return 'neutral';
}
