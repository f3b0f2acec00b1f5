/**
 * Counts the calls in flight on one connector so it can be closed gracefully: {@link drained} resolves once none
 * is left.
 */
export class CallTracker {
  #inFlight = 0;
  #waiters: (() => void)[] = [];

  /** Calls in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `call`, counting it as in flight until it settles. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    this.#inFlight += 1;
    try {
      return await call();
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  /** Resolves when no call is in flight (at once if none is). */
  drained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
