import { CancelledError } from '@hvc/hypervisor-connector';

/** A counting semaphore: at most `limit` holders at once, the rest wait in order; waiting honours an AbortSignal. */
export class ConcurrencyLimiter {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Runs `task` once a slot is free, and frees the slot when it settles. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted)
      return Promise.reject(new CancelledError('the call was aborted', { cause: signal.reason }));
    if (this.#active < this.#limit) {
      this.#active++;
      return this.#hold(task);
    }
    return this.#queue(signal).then(() => this.#hold(task));
  }

  async #hold<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /** Waits in line for a slot (taken when granted); CANCELLED if `signal` fires first. */
  #queue(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#active++;
        resolve();
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(new CancelledError('the call was aborted', { cause: signal?.reason }));
      };
      this.#waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}
