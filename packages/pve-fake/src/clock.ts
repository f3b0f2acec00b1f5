/** A source of the current time in epoch milliseconds. */
export interface TimeSource {
  now(): number;
}

/** The fake's clock: a base clock plus an offset that tests move forward (ticket expiry, task times). */
export class FakeClock implements TimeSource {
  #offset = 0;
  constructor(private readonly base: TimeSource = Date) {}

  /** Current fake time in epoch milliseconds. */
  now(): number {
    return this.base.now() + this.#offset;
  }

  /** Current fake time in epoch seconds (PVE's unit for `starttime`, `ctime`, tickets). */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#offset += ms;
  }
}
