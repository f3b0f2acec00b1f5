import { readFileSync } from 'node:fs';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver, type Resolver, type ResolverEvent } from '@hvc/hypervisor-resolver';
import type { Logger } from 'pino';
import { createHvcHandler } from '../api/hvc-handler.js';
import { type Authenticator, createAuthenticator } from '../authn/authenticator.js';
import type { DevIssuer } from '../authn/dev-issuer.js';
import { createOidcVerifier, type OidcIssuerConfig } from '../authn/oidc-verifier.js';
import { createServiceTokenVerifier } from '../authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../authz/database-authorizer.js';
import type { ServerConfig } from '../config/server-config.js';
import { createLogger } from '../observability/logger.js';
import { createServerMetrics, type ServerMetrics } from '../observability/metrics.js';
import { openStore } from '../storage/configured-database.js';
import {
  type CredentialCipher,
  createCredentialCipher,
  parseEncryptionKey,
} from '../storage/credential-cipher.js';
import type { HvcStore } from '../storage/hvc-store.js';
import { instrumentResolver } from './instrumented-resolver.js';
import { listenOnePort, type OnePortServer } from './one-port-server.js';
import { createOpsEndpoints, type Readiness } from './ops-endpoints.js';

/** A running hvc-server. */
export interface RunningServer {
  /** The API's base URL. */
  readonly url: string;
  readonly store: HvcStore;
  readonly resolver: Resolver;
  readonly authenticator: Authenticator;
  readonly metrics: ServerMetrics;
  readiness(): Promise<Readiness>;
  /** Graceful shutdown: stops accepting, drains calls in flight (up to the drain timeout), closes everything. */
  close(): Promise<void>;
}

/** Extra parts for the demo: its dev issuer, trusted like any other issuer, and a fixed encryption cipher. */
export interface StartExtras {
  readonly devIssuer?: DevIssuer;
  readonly cipher?: CredentialCipher;
  readonly logger?: Logger;
}

const BREAKER_STATES: Record<string, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Opens the store, starts the issuers and the resolver, and serves the API with its ops endpoints on one port. */
export async function startServer(config: ServerConfig, extras: StartExtras = {}): Promise<RunningServer> {
  const logger = extras.logger ?? createLogger({ level: config.logLevel });
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
    if (config.bootstrap) await bootstrap(store, config.bootstrap, logger);
    // The configuration is the list of service tokens: one that left it (rotated out) stops working.
    const configured = new Set(config.serviceTokens.map((t) => t.id));
    for (const stored of await store.serviceTokens.listEnabled()) {
      if (!configured.has(stored.id)) await store.serviceTokens.setDisabled(stored.id, true);
    }
    for (const token of config.serviceTokens) {
      await store.members.getOrganization(token.organization).then((org) => {
        if (!org)
          throw new Error(`service token ${token.id}: organisation ${token.organization} does not exist`);
      });
      await store.serviceTokens.put({
        id: token.id,
        organizationId: token.organization,
        role: token.role,
        token: token.token,
      });
    }
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

  const resolver = createResolver({
    connectors: {
      memory: memoryConnectorFactory,
      proxmox: () => import('@hvc/hypervisor-connector-proxmox'),
    },
    targets: (id) => store.targets.descriptor(id),
    onEvent: (event: ResolverEvent) => {
      if (event.type === 'breaker') {
        metrics.breakerState.set({ target: event.targetId }, BREAKER_STATES[event.to] ?? -1);
        logger.warn(
          { target: event.targetId, from: event.from, to: event.to, reason: event.reason },
          'circuit breaker',
        );
      }
    },
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
    return {
      ready: database && jwks,
      checks: { database, jwks },
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
    resolver: instrumentResolver(resolver, metrics),
    authenticator,
    authorizer: createDatabaseAuthorizer(store.db),
    store,
    logger,
    metrics,
    limits: config.limits,
    ready: () => ready,
    shutdownSignal: shutdown.signal,
  });
  const ops = createOpsEndpoints({ readiness, registry: metrics.registry });

  let server: OnePortServer;
  try {
    server = await listenOnePort(
      (req, res) => {
        if (!ops(req, res)) handler(req, res);
      },
      {
        host: config.listen.host,
        port: config.listen.port,
        ...(config.tls
          ? { tls: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } }
          : {}),
      },
    );
  } catch (error) {
    clearInterval(readyTimer);
    authenticator.close();
    await resolver.close();
    await store.close();
    throw error;
  }
  logger.info(
    { url: server.url, tls: Boolean(config.tls), devAuth: Boolean(extras.devIssuer) },
    'hvc-server listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
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

async function bootstrap(
  store: HvcStore,
  boot: NonNullable<ServerConfig['bootstrap']>,
  logger: Logger,
): Promise<void> {
  // Replicas starting at once bootstrap at once: ALREADY_EXISTS means another one did it first.
  const unlessAnotherReplicaDidIt = (error: unknown) => {
    if (!isHypervisorError(error, 'ALREADY_EXISTS')) throw error;
  };
  if (!(await store.members.getOrganization(boot.organization))) {
    await store.members
      .createOrganization({ id: boot.organization, displayName: boot.organization })
      .then(() => logger.info({ organization: boot.organization }, 'bootstrap: organisation created'))
      .catch(unlessAnotherReplicaDidIt);
  }
  const user = await store.members.findUserByIdentity(boot.adminIssuer, boot.adminSubject);
  const member = user && (await store.members.getMember(boot.organization, user.id));
  if (!member) {
    await store.members
      .addMember({
        organizationId: boot.organization,
        issuer: boot.adminIssuer,
        subject: boot.adminSubject,
        role: 'admin',
      })
      .then(() => logger.info({ organization: boot.organization }, 'bootstrap: admin added'))
      .catch(unlessAnotherReplicaDidIt);
  }
}
