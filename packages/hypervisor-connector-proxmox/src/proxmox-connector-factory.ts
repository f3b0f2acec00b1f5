import {
  type ConnectorContext,
  type ConnectorFactory,
  parseInput,
  SPECIFICATION_VERSION,
} from '@hvc/hypervisor-connector';
import { type ProxmoxConfig, type ProxmoxConfigInput, ProxmoxConfigSchema } from './config/config-schema.js';
import { type ProxmoxTargetUriOptions, parseProxmoxTargetUri } from './config/target-uri.js';
import { createProxmoxConnector, type ProxmoxConnector } from './connector/proxmox-connector.js';

/** The Proxmox connector factory, with a URI form of the target config. */
export interface ProxmoxConnectorFactory extends ConnectorFactory<ProxmoxConfig, ProxmoxConfigInput> {
  /** Creates a connector for one target (see {@link createProxmoxConnector}). */
  create(config: ProxmoxConfig, context?: ConnectorContext): ProxmoxConnector;
  /**
   * The config of a target written as a URI, e.g.
   * `proxmox://root@pam!ci@pve1.example:8006?fingerprint=AB:...`; the secret (token secret or password) is
   * passed separately and never part of the URI.
   */
  configFromUri(uri: string, options?: ProxmoxTargetUriOptions): ProxmoxConfig;
  /** `create(configFromUri(uri, options))`. */
  fromUri(uri: string, options: ProxmoxTargetUriOptions & ConnectorContext): ProxmoxConnector;
}

/** The factory of Proxmox VE connectors (kind `proxmox`), for a resolver. */
export const proxmoxConnectorFactory: ProxmoxConnectorFactory = Object.freeze({
  kind: 'proxmox',
  specificationVersion: SPECIFICATION_VERSION,
  configSchema: ProxmoxConfigSchema,
  create: (config: ProxmoxConfig, context?: ConnectorContext) =>
    createProxmoxConnector(config, context ?? {}),
  configFromUri: (uri: string, options: ProxmoxTargetUriOptions = {}) =>
    parseInput(ProxmoxConfigSchema, parseProxmoxTargetUri(uri, options), 'proxmox target config'),
  fromUri: (uri: string, options: ProxmoxTargetUriOptions & ConnectorContext) => {
    const { targetId, ...uriOptions } = options;
    return createProxmoxConnector(
      parseProxmoxTargetUri(uri, uriOptions),
      targetId === undefined ? {} : { targetId },
    );
  },
});
