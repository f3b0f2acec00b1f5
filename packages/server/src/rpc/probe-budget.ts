import { Code, ConnectError } from '@connectrpc/connect';

/**
 * How often each organisation may make the server reach for an address of its choosing — a connectivity test, a
 * target created or pointed elsewhere — so the API is no port scanner: a token bucket per organisation holding
 * `perMinute` probes, refilled evenly over a minute. Kept in memory, per replica.
 */
export class ProbeBudget {
  readonly #perMinute: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perMinute: number, now: () => number = Date.now) {
    this.#perMinute = perMinute;
    this.#now = now;
  }

  /** Spends one probe of `organizationId`; RESOURCE_EXHAUSTED when its budget is spent. */
  spend(organizationId: string): void {
    const now = this.#now();
    const bucket = this.#buckets.get(organizationId) ?? { tokens: this.#perMinute, at: now };
    const tokens = Math.min(this.#perMinute, bucket.tokens + ((now - bucket.at) * this.#perMinute) / 60_000);
    if (tokens < 1) {
      const waitMs = Math.ceil(((1 - tokens) * 60_000) / this.#perMinute);
      throw new ConnectError(
        `this organisation may probe targets ${this.#perMinute} times a minute; try again in ${Math.ceil(waitMs / 1000)} s`,
        Code.ResourceExhausted,
      );
    }
    this.#buckets.set(organizationId, { tokens: tokens - 1, at: now });
    // A bucket back to full says nothing a new one would not: drop it so the map holds active organisations only.
    if (this.#buckets.size > 10_000) this.#forgetFull(now);
  }

  #forgetFull(now: number): void {
    for (const [organizationId, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) * this.#perMinute) / 60_000 >= this.#perMinute) {
        this.#buckets.delete(organizationId);
      }
    }
  }
}
