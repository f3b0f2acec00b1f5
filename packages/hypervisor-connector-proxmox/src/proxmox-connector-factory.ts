import {
  type ConnectorContext,
  type ConnectorFactory,
  parseInput,
  SPECIFICATION_VERSION,
} from '@hvc/hypervisor-connector';
import { ConcurrencyLimiter } from '@hvc/hypervisor-connector-kit';
import type { Authenticator } from './auth/authenticator.js';
import { createTicketAuthenticator } from './auth/ticket-authenticator.js';
import { createTokenAuthenticator } from './auth/token-authenticator.js';
import { type ProxmoxConfig, type ProxmoxConfigInput, ProxmoxConfigSchema } from './config/config-schema.js';
import { type ProxmoxTargetUriOptions, parseProxmoxTargetUri } from './config/target-uri.js';
import { ProxmoxConnector } from './connector/proxmox-connector.js';
import { EndpointSet } from './transport/endpoint-set.js';
import { type ProxmoxLogger, SILENT_LOGGER } from './transport/logger.js';
import { PveClient } from './transport/pve-client.js';
import { PveHttp } from './transport/pve-http.js';

/** Options of {@link createProxmoxConnector} beyond the target config. */
export interface ProxmoxConnectorOptions extends ConnectorContext {
  /** The clock for ticket renewal (ms since epoch); `Date.now` by default. Tests pass a fake clock. */
  readonly now?: () => number;
  /** Where to log requests (debug), retries, re-logins and failovers (warn). Silent by default. */
  readonly logger?: ProxmoxLogger;
}

/**
 * Creates a Proxmox VE connector for one target. The config is validated first (INVALID_ARGUMENT naming each bad
 * field, secrets never echoed); no I/O happens before the first call.
 */
export function createProxmoxConnector(
  config: ProxmoxConfigInput | ProxmoxConfig,
  options: ProxmoxConnectorOptions = {},
): ProxmoxConnector {
  const parsed = parseInput(ProxmoxConfigSchema, config, 'proxmox target config');
  const now = options.now ?? Date.now;
  const logger = options.logger ?? SILENT_LOGGER;
  const target = options.targetId;
  const sharedFingerprints =
    parsed.tls.fingerprint === undefined ? undefined : [parsed.tls.fingerprint].flat();
  const endpoints = new EndpointSet(
    parsed.endpoints.map((endpoint) => {
      const fingerprints =
        'fingerprint' in endpoint && endpoint.fingerprint ? [endpoint.fingerprint] : sharedFingerprints;
      return {
        url: endpoint.url,
        ...('node' in endpoint && endpoint.node ? { node: endpoint.node } : {}),
        tls: {
          connectTimeoutMs: parsed.timeouts.connectMs,
          ...(parsed.tls.ca === undefined ? {} : { ca: parsed.tls.ca }),
          ...(fingerprints === undefined ? {} : { fingerprints }),
          ...(parsed.tls.insecure ? { insecure: true } : {}),
        },
      };
    }),
    parsed.concurrency,
  );
  const http = new PveHttp({
    endpoints,
    limiter: new ConcurrencyLimiter(parsed.concurrency),
    requestTimeoutMs: parsed.timeouts.requestMs,
    now,
    logger,
    ...(target === undefined ? {} : { target }),
  });
  const { credentials } = parsed;
  const auth: Authenticator =
    credentials.type === 'token'
      ? createTokenAuthenticator(credentials.tokenId, credentials.secret)
      : createTicketAuthenticator({
          http,
          username: credentials.username,
          password: credentials.password,
          ...(credentials.realm === undefined ? {} : { realm: credentials.realm }),
          ...(credentials.otp === undefined ? {} : { otp: credentials.otp }),
          renewAfterMs: parsed.ticketRenewAfterMs,
          now,
          ...(target === undefined ? {} : { target }),
        });
  return new ProxmoxConnector({
    config: parsed,
    client: new PveClient(http, auth, parsed.readAttempts, logger),
    auth,
    endpoints,
    ...(target === undefined ? {} : { target }),
  });
}

/** The Proxmox connector factory, with a URI form of the target config. */
export interface ProxmoxConnectorFactory extends ConnectorFactory<ProxmoxConfig> {
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
