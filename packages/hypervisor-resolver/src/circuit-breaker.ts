import { type HypervisorError, UnavailableError } from '@hvc/hypervisor-connector';
import type { BreakerLimits } from './resolver-limits.js';

/** Where a breaker is: passing calls, failing them fast, or letting one probe call through. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A change of a breaker's state. */
export interface BreakerTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** Why: the last error's code and message when it opens, `probe succeeded`, `open period ended`, ... */
  readonly reason: string;
  /** Consecutive failures counted when it changed. */
  readonly consecutiveFailures: number;
}

/** A breaker's counters, for stats. */
export interface BreakerSnapshot {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** How often it opened. */
  readonly opened: number;
  /** Calls it failed fast. */
  readonly rejected: number;
}

/** A call the breaker let through; report how it ended with {@link CircuitBreaker.settle}. */
export interface BreakerPermit {
  /** Whether this call is the half-open probe. */
  readonly probe: boolean;
}

/** How a call ended, as far as the breaker cares. */
export type CallOutcome = 'success' | 'failure' | 'neutral';

/**
 * One target's circuit breaker. Consecutive failures (UNAVAILABLE or TIMEOUT from the target) open it; while open,
 * calls fail fast with UNAVAILABLE naming the reason; after `openMs` the next call is let through as a probe, and
 * its outcome closes the breaker or opens it again. Any answer from the target, even an error such as NOT_FOUND,
 * counts as success: the target is alive. A cancelled call says nothing and counts as neither.
 */
export class CircuitBreaker {
  readonly #limits: Required<BreakerLimits>;
  readonly #target: string;
  readonly #now: () => number;
  readonly #onChange: (transition: BreakerTransition) => void;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #reason = '';
  #probing = false;
  #opened = 0;
  #rejected = 0;

  constructor(
    limits: Required<BreakerLimits>,
    target: string,
    now: () => number,
    onChange: (transition: BreakerTransition) => void,
  ) {
    this.#limits = limits;
    this.#target = target;
    this.#now = now;
    this.#onChange = onChange;
  }

  /** The state now (an open breaker whose period ended reads as half-open). */
  get state(): BreakerState {
    this.#advance();
    return this.#state;
  }

  /** Counters for stats. */
  snapshot(): BreakerSnapshot {
    return {
      state: this.state,
      consecutiveFailures: this.#failures,
      opened: this.#opened,
      rejected: this.#rejected,
    };
  }

  /** Lets a call through, or throws UNAVAILABLE (retryable) when the breaker is open or its probe is running. */
  admit(): BreakerPermit {
    this.#advance();
    if (this.#state === 'closed') return { probe: false };
    if (this.#state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return { probe: true };
    }
    this.#rejected += 1;
    const retryAfterMs = Math.max(0, this.#openedAt + this.#limits.openMs - this.#now());
    const when = this.#state === 'open' ? `retrying in ${retryAfterMs} ms` : 'a probe call is running';
    throw new UnavailableError(
      `target "${this.#target}" is unavailable: circuit breaker open after ${this.#failures} consecutive failures (${this.#reason}); ${when}`,
      {
        retryable: true,
        target: this.#target,
        details: { reason: 'circuit-open', breaker: this.#state, retryAfterMs },
      },
    );
  }

  /** Records how a call let through by {@link admit} ended. */
  settle(permit: BreakerPermit, outcome: CallOutcome, error?: HypervisorError): void {
    if (permit.probe) this.#probing = false;
    if (outcome === 'neutral') return;
    if (outcome === 'success') {
      if (permit.probe && this.#state === 'half-open') this.#change('closed', 'probe call succeeded');
      if (this.#state === 'closed') this.#failures = 0;
      return;
    }
    if (this.#state === 'open') return;
    this.#failures += 1;
    this.#reason = error === undefined ? 'failure' : `${error.code}: ${error.message}`;
    if (permit.probe || this.#failures >= this.#limits.failureThreshold) {
      this.#openedAt = this.#now();
      this.#opened += 1;
      this.#change('open', this.#reason);
    }
  }

  #advance(): void {
    if (this.#state === 'open' && this.#now() >= this.#openedAt + this.#limits.openMs) {
      this.#change('half-open', 'open period ended');
    }
  }

  #change(to: BreakerState, reason: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#onChange({ from, to, reason, consecutiveFailures: this.#failures });
    if (to === 'closed') this.#failures = 0;
  }
}
