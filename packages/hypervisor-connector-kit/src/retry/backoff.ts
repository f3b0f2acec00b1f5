/** How delays grow between attempts or polls. */
export interface BackoffPolicy {
  /** The first delay. */
  readonly initialMs: number;
  /** Each delay is this many times the one before; 1 keeps it fixed. */
  readonly factor: number;
  /** The longest delay. */
  readonly maxMs: number;
  /** The share of each delay drawn at random, both ways: 0.25 is ±25 %. Default 0. */
  readonly jitter?: number;
}

/** The delay after the `attempt`-th try (counted from 1), with the policy's jitter applied. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  const jitter = policy.jitter ?? 0;
  return Math.max(0, Math.round(base * (1 - jitter + random() * 2 * jitter)));
}
