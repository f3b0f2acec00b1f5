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

  /** A call started. */
  enter(): void {
    this.#inFlight += 1;
  }

  /** A call that {@link enter} counted has settled. */
  leave(): void {
    this.#inFlight -= 1;
    if (this.#inFlight > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when no call is in flight (at once if none is). */
  drained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
