import { CancelledError, UnavailableError } from '@hvc/hypervisor-connector';

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

interface Waiter {
  readonly grant: (release: ReleaseSlot) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * Lets at most `maxActive` calls run at once and at most `maxQueued` wait, first come first served. A call that
 * finds the queue full fails at once with UNAVAILABLE (retryable), so an overloaded target pushes back instead of
 * piling up memory; a waiting call whose signal fires leaves the queue with CANCELLED.
 */
export class ConcurrencyLimiter {
  readonly #maxActive: number;
  readonly #maxQueued: number;
  readonly #target: string;
  readonly #queue: Waiter[] = [];
  #active = 0;

  constructor(maxActive: number, maxQueued: number, target: string) {
    this.#maxActive = maxActive;
    this.#maxQueued = maxQueued;
    this.#target = target;
  }

  /** Calls running now. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** A slot, at once or when one frees up. Rejects with UNAVAILABLE when the queue is full. */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted)
      return Promise.reject(new CancelledError('the call was aborted', { cause: signal.reason }));
    if (this.#active < this.#maxActive) {
      this.#active += 1;
      return Promise.resolve(this.#releaser());
    }
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        new UnavailableError(
          `target "${this.#target}" is overloaded: ${this.#active} calls running and ${this.#queue.length} waiting`,
          {
            retryable: true,
            target: this.#target,
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
          reject(
            new CancelledError('the call was aborted while waiting for a slot', { cause: signal?.reason }),
          );
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
