import {
  type ConnectorFactory,
  type FieldViolation,
  hasUriParser,
  isHypervisorError,
  parseInput,
} from '@hvc/hypervisor-connector';
import { InvalidTargetConfigError } from './resolver-errors.js';
import { type EffectiveGuardLimits, mergeGuardLimits } from './resolver-limits.js';
import type { CheckedDescriptor } from './target-descriptor.js';

/** A target's connector config as the factory's schema output, and its guard limits. */
export interface ValidTargetConfig {
  readonly config: unknown;
  readonly limits: EffectiveGuardLimits;
}

/**
 * Validates a target's config with the factory's `configSchema` (after the factory's `configFromUri` for a URI
 * target) and merges its guard limits over `defaults`. Throws {@link InvalidTargetConfigError} naming the target and
 * each field (`config.…`, `uri.…`, `limits.…`).
 */
export function validTargetConfig(
  descriptor: CheckedDescriptor,
  factory: ConnectorFactory,
  defaults: EffectiveGuardLimits,
): ValidTargetConfig {
  let input: unknown;
  if (descriptor.form === 'config') input = descriptor.config;
  else {
    if (!hasUriParser(factory)) {
      throw new InvalidTargetConfigError(descriptor.id, [
        { field: 'uri', message: `the "${factory.kind}" connector does not accept target URIs` },
      ]);
    }
    const extras = descriptor.secret === undefined ? {} : { secret: descriptor.secret };
    input = asTargetConfigError(descriptor.id, 'uri', () => factory.configFromUri(descriptor.uri, extras));
  }
  const config = asTargetConfigError(descriptor.id, 'config', () =>
    parseInput(factory.configSchema, input, `config of target "${descriptor.id}"`),
  );
  const violations: FieldViolation[] = [];
  const limits = mergeGuardLimits(defaults, descriptor.limits, 'limits', violations);
  if (violations.length > 0) throw new InvalidTargetConfigError(descriptor.id, violations);
  return { config, limits };
}

/** Runs `parse`; INVALID_ARGUMENT becomes {@link InvalidTargetConfigError} with fields under `prefix`. */
function asTargetConfigError<T>(targetId: string, prefix: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!isHypervisorError(error, 'INVALID_ARGUMENT')) throw error;
    const given = (error as { violations?: readonly FieldViolation[] }).violations ?? [];
    const violations = given.length > 0 ? given : [{ field: '', message: error.message }];
    throw new InvalidTargetConfigError(
      targetId,
      violations.map((v) => ({ field: v.field ? `${prefix}.${v.field}` : prefix, message: v.message })),
      { cause: error },
    );
  }
}
