import { UnavailableError } from '@hvc/hypervisor-connector';
import { cancelled } from '../abort/abort.js';

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** Settings of a {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /** How many calls may wait for a slot; one more fails at once with UNAVAILABLE. Unbounded by default. */
  readonly maxQueued?: number;
  /** The target named in errors. */
  readonly target?: string;
}

interface Waiter {
  readonly grant: (release: ReleaseSlot) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * A counting semaphore: at most `limit` holders at once, the rest wait first come first served. A waiting call whose
 * signal fires leaves the queue with CANCELLED; with `maxQueued`, a call that finds the queue full fails at once with
 * UNAVAILABLE (retryable), so an overloaded target pushes back instead of piling up memory.
 */
export class ConcurrencyLimiter {
  readonly #limit: number;
  readonly #maxQueued: number;
  readonly #target: string | undefined;
  readonly #queue: Waiter[] = [];
  #active = 0;

  constructor(limit: number, options: ConcurrencyLimiterOptions = {}) {
    this.#limit = limit;
    this.#maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
    this.#target = options.target;
  }

  /** Calls holding a slot now. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Runs `task` once a slot is free and frees the slot when it settles. A free slot is taken without waiting. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    if (this.#active < this.#limit) {
      this.#active += 1;
      return this.#hold(task, this.#releaser());
    }
    return this.#enqueue(signal).then((release) => this.#hold(task, release));
  }

  /** A slot, at once or when one frees up; give it back with the function it resolves to. */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    if (this.#active < this.#limit) {
      this.#active += 1;
      return Promise.resolve(this.#releaser());
    }
    return this.#enqueue(signal);
  }

  async #hold<T>(task: () => Promise<T>, release: ReleaseSlot): Promise<T> {
    try {
      return await task();
    } finally {
      release();
    }
  }

  #enqueue(signal: AbortSignal | undefined): Promise<ReleaseSlot> {
    if (this.#queue.length >= this.#maxQueued) {
      const where = this.#target === undefined ? 'the target' : `target "${this.#target}"`;
      return Promise.reject(
        new UnavailableError(
          `${where} is overloaded: ${this.#active} calls running and ${this.#queue.length} waiting`,
          {
            retryable: true,
            ...(this.#target === undefined ? {} : { target: this.#target }),
            details: { reason: 'queue-full', running: this.#active, queued: this.#queue.length },
          },
        ),
      );
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        signal,
        onAbort: () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(cancelled(signal, 'the call was aborted while waiting for a slot'));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next === undefined) {
        this.#active -= 1;
        return;
      }
      // The slot passes straight to the next waiter, so `active` stays as it is.
      next.signal?.removeEventListener('abort', next.onAbort);
      next.grant(this.#releaser());
    };
  }
}
