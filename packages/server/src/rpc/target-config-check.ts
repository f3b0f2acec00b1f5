import { InvalidArgumentError } from '@hvc/hypervisor-connector';
import { NoSuchConnectorError } from '@hvc/hypervisor-resolver';
import type { ConnectorResolver } from '../connectors/connector-resolver.js';

/** A target as it is about to be stored. */
export interface TargetToCheck {
  readonly id: string;
  readonly kind: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly credentials?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Checks a target before it is stored, with its connector's own config schema and exactly as it will be resolved
 * (credentials under `config.credentials`): a plain-http endpoint, a malformed fingerprint or a missing field is
 * INVALID_ARGUMENT now, naming each field and never a value, not a failure on first use. A kind this server does
 * not offer is INVALID_ARGUMENT on `kind`.
 */
export async function checkTargetConfig(resolver: ConnectorResolver, target: TargetToCheck): Promise<void> {
  const config =
    target.credentials === undefined ? target.config : { ...target.config, credentials: target.credentials };
  try {
    await resolver.validateTarget({ id: target.id, kind: target.kind, config });
  } catch (error) {
    if (!NoSuchConnectorError.isInstance(error)) throw error;
    const known = error.availableKinds.join(', ') || 'none';
    throw new InvalidArgumentError(`this server offers no connector of kind "${target.kind}"`, {
      violations: [{ field: 'kind', message: `not a connector kind of this server (${known})` }],
    });
  }
}
