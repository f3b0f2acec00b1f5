import type { ConnectorFactory } from './connector-factory.js';

/** What a factory's URI parser is given besides the URI: the credential, which never goes into a URI. */
export interface TargetUriExtras {
  /** The password, API token secret or similar for the target. */
  readonly secret?: string;
}

/**
 * A {@link ConnectorFactory} that also understands target URIs such as
 * `proxmox://user@pam!ci@pve1.example:8006?fingerprint=AB:...`. The resolver picks the factory by the URI's scheme
 * and lets `configFromUri` turn URI and secret into a config, which it then validates with `configSchema` as usual.
 * The resolver never parses a URI itself.
 */
export interface UriConnectorFactory<Config = unknown, ConfigInput = unknown>
  extends ConnectorFactory<Config, ConfigInput> {
  /** Turns a target URI (and its secret) into this factory's config. Throws INVALID_ARGUMENT for a bad URI. */
  configFromUri?(uri: string, extras?: TargetUriExtras): unknown;
}

/** Whether `factory` offers a URI parser. */
export function hasUriParser(
  factory: ConnectorFactory,
): factory is ConnectorFactory & Required<Pick<UriConnectorFactory, 'configFromUri'>> {
  return typeof (factory as UriConnectorFactory).configFromUri === 'function';
}
