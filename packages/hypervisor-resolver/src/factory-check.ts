import {
  type ConnectorFactory,
  InvalidArgumentError,
  SPECIFICATION_VERSION,
} from '@hvc/hypervisor-connector';
import { UnsupportedConnectorVersionError } from './resolver-errors.js';

/** The connector contract versions this resolver drives. */
export const SUPPORTED_SPECIFICATION_VERSIONS: readonly string[] = [SPECIFICATION_VERSION];

/** Whether `value` has the shape of a {@link ConnectorFactory} (version aside). */
export function looksLikeFactory(value: unknown): value is ConnectorFactory {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const schema = candidate.configSchema as { safeParse?: unknown } | undefined;
  return (
    typeof candidate.kind === 'string' &&
    typeof candidate.create === 'function' &&
    typeof schema?.safeParse === 'function' &&
    'specificationVersion' in candidate
  );
}

/**
 * Checks a factory registered under `kind`: its shape, that it makes connectors of that kind, and that it speaks
 * a contract version this resolver supports ({@link UnsupportedConnectorVersionError} otherwise).
 */
export function checkFactory(kind: string, value: unknown): ConnectorFactory {
  const field = `connectors.${kind}`;
  if (!looksLikeFactory(value)) {
    throw new InvalidArgumentError(`invalid connector "${kind}": not a connector factory`, {
      violations: [{ field, message: 'expected { kind, specificationVersion, configSchema, create }' }],
    });
  }
  if (value.kind !== kind) {
    throw new InvalidArgumentError(
      `invalid connector "${kind}": the factory makes "${value.kind}" connectors`,
      {
        violations: [{ field: `${field}.kind`, message: `expected "${kind}"` }],
      },
    );
  }
  const version = String(value.specificationVersion);
  if (!SUPPORTED_SPECIFICATION_VERSIONS.includes(version)) {
    throw new UnsupportedConnectorVersionError(kind, version, SUPPORTED_SPECIFICATION_VERSIONS);
  }
  return value;
}
