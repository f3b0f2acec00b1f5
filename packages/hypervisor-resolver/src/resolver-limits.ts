import { type FieldViolation, InvalidArgumentError } from '@hvc/hypervisor-connector';

/** The circuit breaker of one target. */
export interface BreakerLimits {
  /** Consecutive UNAVAILABLE or TIMEOUT errors that open the breaker. Default 5. */
  readonly failureThreshold?: number;
  /** How long an open breaker fails calls fast before it lets one probe call through. Default 30 000 ms. */
  readonly openMs?: number;
}

/** Guards around the connector of one target; a target descriptor may override them for itself. */
export interface GuardLimits {
  /** Calls running at once against the target. Default 8. */
  readonly maxConcurrentCalls?: number;
  /** Calls waiting for a slot; one more fails at once with UNAVAILABLE (retryable). Default 256. */
  readonly maxQueuedCalls?: number;
  /** The circuit breaker; `false` turns it off. */
  readonly breaker?: BreakerLimits | false;
}

/** How the resolver's `waitForOperation` polls. */
export interface WaitLimits {
  /** The first pause between polls. Default 250 ms. */
  readonly initialPollMs?: number;
  /** The longest pause between polls; pauses grow by half each poll up to it. Default 5 000 ms. */
  readonly maxPollMs?: number;
}

/** Limits of a resolver: defaults for every target's guards, and how connectors are retired and waited on. */
export interface ResolverLimits extends GuardLimits {
  /**
   * How long a replaced, evicted or closed connector may take to finish its in-flight calls before it is closed
   * anyway. Default 60 000 ms.
   */
  readonly drainTimeoutMs?: number;
  /** Polling of `waitForOperation`. */
  readonly wait?: WaitLimits;
}

/** Guard limits with every default filled in. */
export interface EffectiveGuardLimits {
  readonly maxConcurrentCalls: number;
  readonly maxQueuedCalls: number;
  readonly breaker: Required<BreakerLimits> | false;
}

/** Resolver limits with every default filled in. */
export interface EffectiveResolverLimits extends EffectiveGuardLimits {
  readonly drainTimeoutMs: number;
  readonly wait: Required<WaitLimits>;
}

const DEFAULT_BREAKER: Required<BreakerLimits> = { failureThreshold: 5, openMs: 30_000 };

/** The guards every target gets unless the resolver's limits or its own descriptor say otherwise. */
export const DEFAULT_GUARD_LIMITS: EffectiveGuardLimits = {
  maxConcurrentCalls: 8,
  maxQueuedCalls: 256,
  breaker: DEFAULT_BREAKER,
};

/** The resolver's limits with defaults filled in. Throws INVALID_ARGUMENT naming each bad field. */
export function effectiveResolverLimits(limits: ResolverLimits | undefined): EffectiveResolverLimits {
  const violations: FieldViolation[] = [];
  const input = objectOrEmpty(limits, 'limits', violations);
  const guards = mergeGuardLimits(DEFAULT_GUARD_LIMITS, input, 'limits', violations);
  const wait = objectOrEmpty(input.wait, 'limits.wait', violations);
  const result: EffectiveResolverLimits = {
    ...guards,
    drainTimeoutMs: count(input.drainTimeoutMs, 60_000, 'limits.drainTimeoutMs', violations, 0),
    wait: {
      initialPollMs: count(wait.initialPollMs, 250, 'limits.wait.initialPollMs', violations, 1),
      maxPollMs: count(wait.maxPollMs, 5_000, 'limits.wait.maxPollMs', violations, 1),
    },
  };
  throwIfAny(violations, 'resolver limits');
  return result;
}

/**
 * `base` overridden by a target's own `limits`, or the violations found in them (reported as fields of `path`).
 */
export function mergeGuardLimits(
  base: EffectiveGuardLimits,
  override: GuardLimits | undefined,
  path: string,
  violations: FieldViolation[],
): EffectiveGuardLimits {
  const input = objectOrEmpty(override, path, violations);
  const maxConcurrentCalls = count(
    input.maxConcurrentCalls,
    base.maxConcurrentCalls,
    `${path}.maxConcurrentCalls`,
    violations,
    1,
  );
  const maxQueuedCalls = count(
    input.maxQueuedCalls,
    base.maxQueuedCalls,
    `${path}.maxQueuedCalls`,
    violations,
    0,
  );
  let breaker = base.breaker;
  if (input.breaker === false) breaker = false;
  else if (input.breaker !== undefined) {
    const given = objectOrEmpty(input.breaker, `${path}.breaker`, violations);
    const from = base.breaker === false ? DEFAULT_BREAKER : base.breaker;
    breaker = {
      failureThreshold: count(
        given.failureThreshold,
        from.failureThreshold,
        `${path}.breaker.failureThreshold`,
        violations,
        1,
      ),
      openMs: count(given.openMs, from.openMs, `${path}.breaker.openMs`, violations, 1),
    };
  }
  return { maxConcurrentCalls, maxQueuedCalls, breaker };
}

/** Throws INVALID_ARGUMENT listing `violations` when there are any. */
export function throwIfAny(violations: readonly FieldViolation[], what: string): void {
  if (violations.length === 0) return;
  const summary = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
  throw new InvalidArgumentError(`invalid ${what}: ${summary}`, { violations });
}

function objectOrEmpty<T extends object>(
  value: T | undefined,
  field: string,
  violations: FieldViolation[],
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  violations.push({ field, message: 'expected an object' });
  return {};
}

function count(
  value: unknown,
  fallback: number,
  field: string,
  violations: FieldViolation[],
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  violations.push({ field, message: `expected an integer >= ${min}` });
  return fallback;
}
