import { Code, ConnectError } from '@connectrpc/connect';
import { type Clock, systemClock } from '@hvc/hypervisor-connector-kit';

/**
 * How often each organisation may make the server reach for an address of its choosing — a connectivity test, a
 * target created or pointed elsewhere — so the API is no port scanner: a token bucket per organisation holding
 * `perMinute` probes, refilled evenly over a minute on `clock`. Kept in memory, per replica. A clock that steps back
 * refills nothing and takes nothing back.
 */
export class ProbeBudget {
  readonly #perMinute: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perMinute: number, clock: Clock = systemClock) {
    this.#perMinute = perMinute;
    this.#clock = clock;
  }

  /** Spends one probe of `organizationId`; RESOURCE_EXHAUSTED when its budget is spent. */
  spend(organizationId: string): void {
    const now = this.#clock.now();
    const bucket = this.#buckets.get(organizationId) ?? { tokens: this.#perMinute, at: now };
    const tokens = this.#refilled(bucket, now);
    if (tokens < 1) {
      const waitMs = Math.ceil(((1 - tokens) * 60_000) / this.#perMinute);
      throw new ConnectError(
        `this organisation may probe targets ${this.#perMinute} times a minute; try again in ${Math.ceil(waitMs / 1000)} s`,
        Code.ResourceExhausted,
      );
    }
    this.#buckets.set(organizationId, { tokens: tokens - 1, at: Math.max(now, bucket.at) });
    // A bucket back to full says nothing a new one would not: drop it so the map holds active organisations only.
    if (this.#buckets.size > 10_000) this.#forgetFull(now);
  }

  #forgetFull(now: number): void {
    for (const [organizationId, bucket] of this.#buckets) {
      if (this.#refilled(bucket, now) >= this.#perMinute) this.#buckets.delete(organizationId);
    }
  }

  /** What `bucket` holds at `now`: time since it was last spent refills it, time gone backwards does nothing. */
  #refilled(bucket: { tokens: number; at: number }, now: number): number {
    const elapsedMs = Math.max(0, now - bucket.at);
    return Math.min(this.#perMinute, bucket.tokens + (elapsedMs * this.#perMinute) / 60_000);
  }
}
