import { readFileSync } from 'node:fs';
import type { Resolver } from '@hvc/hypervisor-resolver';
import type { Logger } from 'pino';
import { type Authenticator, createAuthenticator } from '../authn/authenticator.js';
import type { DevIssuer } from '../authn/dev-issuer.js';
import { isLoopbackHost } from '../authn/loopback.js';
import { createOidcVerifier, type OidcIssuerConfig } from '../authn/oidc-verifier.js';
import { createServiceTokenVerifier } from '../authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../authz/database-authorizer.js';
import { instrumentResolver } from '../connectors/instrumented-resolver.js';
import { createTenantConfigPolicy, enforceTenantPolicy } from '../connectors/tenant-config-policy.js';
import { createHvcHandler } from '../http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../http/one-port-server.js';
import { createMetricsEndpoint, createOpsEndpoints, type Readiness } from '../http/ops-endpoints.js';
import { createServerInfoEndpoint } from '../http/server-info-endpoint.js';
import { createLogger } from '../observability/logger.js';
import { createServerMetrics, type ServerMetrics } from '../observability/metrics.js';
import { cachedTargetReads } from '../storage/cached-target-reads.js';
import { openStore } from '../storage/configured-database.js';
import {
  type CredentialCipher,
  createCredentialCipher,
  parseEncryptionKey,
} from '../storage/credential-cipher.js';
import { checkEncryptionKey } from '../storage/encryption-key-check.js';
import type { HvcStore } from '../storage/hvc-store.js';
import { requireAuthenticationSource } from './authentication-source.js';
import { applyConfiguredAccess } from './configured-access.js';
import { serverInfoOf } from './login-config.js';
import type { ServerConfig } from './server-config.js';
import { createTargetResolver } from './target-resolver.js';

/** A running hvc-server. */
export interface RunningServer {
  /** The API's base URL. */
  readonly url: string;
  /** Where Prometheus reads the metrics, when the metrics listener is on (`metrics.port`). */
  readonly metricsUrl?: string;
  readonly store: HvcStore;
  readonly resolver: Resolver;
  readonly authenticator: Authenticator;
  readonly metrics: ServerMetrics;
  readiness(): Promise<Readiness>;
  /** Graceful shutdown: stops accepting, drains calls in flight (up to the drain timeout), closes everything. */
  close(): Promise<void>;
}

/**
 * Extra parts for the demo: its dev issuer, trusted like any other issuer, and a fixed encryption cipher; and
 * whether to refuse a server with no authentication source (`hvc-server serve` does).
 */
export interface StartExtras {
  readonly devIssuer?: DevIssuer;
  readonly cipher?: CredentialCipher;
  readonly logger?: Logger;
  /** Refuse to start with no OIDC issuer and no service token, unless `devMode` is set. */
  readonly requireAuthentication?: boolean;
}

/** Opens the store, starts the issuers and the resolver, and serves the API with its ops endpoints on one port. */
export async function startServer(config: ServerConfig, extras: StartExtras = {}): Promise<RunningServer> {
  const logger = extras.logger ?? createLogger({ level: config.logLevel });
  const serverInfo = createServerInfoEndpoint(serverInfoOf(config.login, config.oidc.issuers));
  const metrics = createServerMetrics();
  const cipher =
    extras.cipher ??
    (() => {
      if (!config.encryptionKey) {
        throw new Error(
          'HVC_ENCRYPTION_KEY is required: it encrypts target credentials at rest (32 bytes, hex or base64)',
        );
      }
      return createCredentialCipher(parseEncryptionKey(config.encryptionKey));
    })();

  const store = await openStore(config.database, cipher, {
    onIdleError: (error) => logger.warn({ err: error }, 'a pooled database connection failed'),
  });
  try {
    // A key that cannot read the stored credentials is refused now, not discovered call by call.
    const keyCheck = await checkEncryptionKey(store.db, cipher);
    if (!keyCheck.usable) throw new Error(`unusable HVC_ENCRYPTION_KEY: ${keyCheck.problem}`);
    await applyConfiguredAccess(store, config, logger);
    if (extras.requireAuthentication && !extras.devIssuer) await requireAuthenticationSource(config, store);
  } catch (error) {
    await store.close();
    throw error;
  }

  const issuers: OidcIssuerConfig[] = [...config.oidc.issuers];
  if (extras.devIssuer) {
    issuers.push({
      issuer: extras.devIssuer.issuer,
      audience: extras.devIssuer.audience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    metrics.devAuthEnabled.set(1);
  }
  const authenticator = createAuthenticator({
    issuers: issuers.map((issuer) => createOidcVerifier(issuer)),
    serviceTokens: createServiceTokenVerifier(store.serviceTokens),
  });
  await authenticator.start().catch((error: unknown) => {
    // Fail closed but keep running: tokens of that issuer are refused and readiness fails until its keys load.
    logger.error({ err: error }, 'an OIDC issuer could not be started; retrying in the background');
  });

  const policy = createTenantConfigPolicy({ allowOperatorSettings: config.connectors.allowOperatorSettings });
  // The resolver reads a target's descriptor on every resolve: through the same short-lived cache as the API.
  const descriptorReads = cachedTargetReads(store.targets, {
    ttlMs: config.limits.accessCacheMs,
    changes: store.changes,
  });
  const resolver = createTargetResolver(descriptorReads, metrics, logger, {
    demoKinds: config.connectors.allowMemory,
    policy,
  });

  const readiness = async (): Promise<Readiness> => {
    const database = await store.ping().then(
      () => true,
      () => false,
    );
    const states = authenticator.issuerStates();
    for (const state of states) {
      if (state.lastRefreshAt !== undefined)
        metrics.jwksLastRefresh.set({ issuer: state.issuer }, state.lastRefreshAt / 1000);
    }
    const jwks = states.every((s) => s.ready);
    // Another replica may have rotated the key since this one started.
    const encryptionKey =
      database &&
      (await checkEncryptionKey(store.db, cipher).then(
        (check) => check.usable,
        () => false,
      ));
    return {
      ready: database && jwks && encryptionKey,
      checks: { database, jwks, encryptionKey },
      ...(extras.devIssuer ? { devAuth: true as const } : {}),
    };
  };
  let ready = false;
  const refreshReady = () =>
    readiness().then((r) => {
      ready = r.ready;
    });
  await refreshReady();
  const readyTimer = setInterval(() => void refreshReady(), 5_000);
  readyTimer.unref();

  const shutdown = new AbortController();
  const handler = createHvcHandler({
    resolver: instrumentResolver(enforceTenantPolicy(resolver, policy), metrics),
    authenticator,
    authorizer: createDatabaseAuthorizer(store.db),
    store,
    logger,
    metrics,
    limits: config.limits,
    console: config.console,
    ready: () => ready,
    shutdownSignal: shutdown.signal,
  });
  const ops = createOpsEndpoints({ readiness });

  let server: OnePortServer;
  let metricsServer: OnePortServer | undefined;
  try {
    server = await listenOnePort(
      (req, res) => {
        if (!ops(req, res) && !serverInfo(req, res)) handler(req, res);
      },
      {
        host: config.listen.host,
        port: config.listen.port,
        headersTimeoutMs: config.limits.headersTimeoutMs,
        requestTimeoutMs: config.limits.requestTimeoutMs,
        maxConcurrentStreams: config.limits.maxConcurrentStreams,
        maxConnections: config.limits.maxConnections,
        maxHeaderBytes: config.limits.maxHeaderBytes,
        idleTimeoutMs: config.limits.idleTimeoutMs,
        upgrade: handler.upgrade,
        ...(config.tls
          ? { tls: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } }
          : {}),
      },
    );
    if (config.metrics.port !== undefined) {
      metricsServer = await listenOnePort(createMetricsEndpoint(metrics.registry), {
        host: config.metrics.host,
        port: config.metrics.port,
      }).catch(async (error: unknown) => {
        await server.close(0);
        throw error;
      });
    }
  } catch (error) {
    clearInterval(readyTimer);
    authenticator.close();
    await resolver.close();
    await store.close();
    throw error;
  }
  logger.info(
    {
      url: server.url,
      ...(metricsServer ? { metricsUrl: `${metricsServer.url}/metrics` } : {}),
      tls: Boolean(config.tls),
      devAuth: Boolean(extras.devIssuer),
    },
    'hvc-server listening',
  );
  if (!config.tls && !isLoopbackHost(config.listen.host) && !extras.devIssuer) {
    logger.warn(
      { host: config.listen.host },
      'serving plaintext on a non-loopback address: bearer tokens and target credentials cross the network unencrypted unless a proxy in front terminates TLS (set HVC_TLS_CERT_FILE and HVC_TLS_KEY_FILE to serve TLS)',
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    ...(metricsServer ? { metricsUrl: `${metricsServer.url}/metrics` } : {}),
    store,
    resolver,
    authenticator,
    metrics,
    readiness,
    close() {
      closing ??= (async () => {
        clearInterval(readyTimer);
        logger.info({ inFlight: server.inFlight() }, 'shutting down');
        await server.close(config.drainTimeoutMs, () => shutdown.abort(new Error('server shutting down')));
        await metricsServer?.close(0);
        shutdown.abort(new Error('server shut down'));
        authenticator.close();
        await resolver.close();
        await store.close();
        logger.info('stopped');
      })();
      return closing;
    },
  };
}
