import { setMaxListeners } from 'node:events';
import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { ConsoleService } from '@hvc/client/v1';
import { type Clock, systemClock } from '@hvc/hypervisor-connector-kit';
import type { Logger } from 'pino';
import { isAuthFailure } from '../authn/auth-failure.js';
import { DEFAULT_MAX_TOKEN_LENGTH, readBearerToken } from '../authn/bearer-token.js';
import { cachedPrincipalReads } from '../authn/cached-principal-reads.js';
import { createIamContext, type IamContext } from '../authn/iam-context.js';
import type { TokenVerifier } from '../authn/identity.js';
import type { Authorizer } from '../authz/authorizer.js';
import { cachedAuthorizer } from '../authz/cached-authorizer.js';
import type { ConnectorResolver } from '../connectors/connector-resolver.js';
import type { ConsoleProxyOptions } from '../console/console-options.js';
import { createConsoleUpgradeHandler, type UpgradeHandler } from '../console/console-upgrade-handler.js';
import { createStreamQuota } from '../domain/stream-quota.js';
import { Health } from '../gen/grpc/health/v1/health_pb.js';
import { auditInterceptor } from '../interceptors/audit-interceptor.js';
import { refuseRequest } from '../interceptors/auth-refusal.js';
import { clampDeadline } from '../interceptors/deadline-clamp.js';
import { errorInterceptor } from '../interceptors/error-interceptor.js';
import { type IdempotencyOptions, idempotencyInterceptor } from '../interceptors/idempotency-interceptor.js';
import { observeInterceptor } from '../interceptors/observe-interceptor.js';
import { IAM_KEY } from '../interceptors/request-context.js';
import { createLogger } from '../observability/logger.js';
import { createServerMetrics, type ServerMetrics } from '../observability/metrics.js';
import { HVC_SERVICES, hvcRoutes } from '../rpc/hvc-routes.js';
import { cachedTargetReads } from '../storage/cached-target-reads.js';
import type { HvcStore } from '../storage/hvc-store.js';
import { refuseBusy } from './busy-refusal.js';
import { clientAddressOf } from './client-address.js';
import { decodeFailureAsInvalidArgument } from './decode-failure-status.js';
import type { NodeRequest, NodeResponse } from './node-http.js';

/**
 * The services whose writes take idempotency keys. Not the console service: a recorded answer would keep a
 * console ticket in the database, and a retried OpenConsole may simply mint another.
 */
const KEYED_SERVICES = HVC_SERVICES.filter((name) => name !== ConsoleService.typeName);

/** Limits of the API. */
export interface HvcHandlerLimits {
  /** Largest request message, bytes (default 1 MiB). */
  readonly readMaxBytes?: number;
  /** Longest deadline a client may ask for; larger ones are lowered to it, ms (default 5 min). */
  readonly maxDeadlineMs?: number;
  /**
   * How long the caller's user and memberships, authorization answers and target lookups are reused, ms (default
   * 5 s; 0 reads the database on every call). Changes made through this server's store apply to the next call
   * regardless; this bounds how long another replica's changes take to apply here.
   */
  readonly accessCacheMs?: number;
  /** Longest bearer token, characters (default 8192). */
  readonly maxTokenLength?: number;
  /**
   * Smallest answer that is compressed for a client that accepts it, bytes (default 64 KiB): compressing a small
   * answer costs both sides more CPU than it saves on a LAN.
   */
  readonly compressMinBytes?: number;
  /** How often an open operation watch checks again that its caller may still see the target, ms (default 5 s). */
  readonly watchRecheckMs?: number;
  /**
   * Connectivity tests, target creations and changes of where a target points, per organisation and minute
   * (default 10): each may make the server connect to an address the caller chose.
   */
  readonly targetProbesPerMinute?: number;
  /** How long a connectivity test may take; one that cannot reach its target answers after exactly this, ms (default 5 s). */
  readonly targetProbeWindowMs?: number;
  /** How long an idempotency key is remembered after its first use, ms (default 24 h). */
  readonly idempotencyKeyTtlMs?: number;
  /**
   * Calls that need no token (health checks and watches) open at once across the server (default 256); more are
   * refused with RESOURCE_EXHAUSTED before their body is read.
   */
  readonly maxUnauthenticatedStreams?: number;
  /** Calls that need no token open at once from one client address (default 16). */
  readonly maxUnauthenticatedStreamsPerClient?: number;
}

/** The parts the API is built from. */
export interface HvcHandlerOptions {
  /** Hands out each target's connector; the hypervisor resolver reading targets from `store` is the usual one. */
  readonly resolver: ConnectorResolver;
  /** Verifies bearer tokens; `createAuthenticator` builds the usual one (OIDC issuers and service tokens). */
  readonly authenticator: TokenVerifier;
  readonly authorizer: Authorizer;
  readonly store: HvcStore;
  readonly logger?: Logger;
  readonly metrics?: ServerMetrics;
  readonly limits?: HvcHandlerLimits;
  /** Whether the server can serve (the gRPC health service reports it). Default always. */
  readonly ready?: () => boolean;
  /** How idempotency keys (`Idempotency-Key` on writes) are kept: their lifetime, leases and clock. */
  readonly idempotency?: IdempotencyOptions;
  /** Aborting it ends every call in flight (after a graceful drain has given up). */
  readonly shutdownSignal?: AbortSignal;
  /** The console proxy: ticket lifetime, idle timeout, session length, session caps, public URL, origins, clock. */
  readonly console?: ConsoleProxyOptions;
  /** The clock the per-organisation probe budgets refill on (default the system clock). */
  readonly clock?: Clock;
}

/**
 * A Node request handler serving the API; mount it on `node:http`, `node:http2` or a framework adapter. Its
 * `upgrade` serves the console proxy's WebSockets: hand it the HTTP/1.1 `upgrade` events of the same server.
 */
export type HvcHandler = ((req: NodeRequest, res: NodeResponse) => void) & {
  readonly upgrade: UpgradeHandler;
};

/**
 * Builds the `hvc.v1` API — gRPC, gRPC-Web and Connect on one handler — with `grpc.health.v1` and server
 * reflection. Every request but health checks is authenticated here, before the body is read: a missing or bad
 * token gets 401 with `WWW-Authenticate`. Handlers then load the caller from the database and authorize each call.
 *
 * @example
 * ```ts
 * const handler = createHvcHandler({ resolver, authenticator, authorizer, store });
 * const server = http2.createSecureServer({ key, cert, allowHTTP1: true }, handler);
 * server.on('upgrade', (req, socket, head) => handler.upgrade(req, socket, head) || socket.destroy());
 * server.listen(8443);
 * ```
 */
export function createHvcHandler(options: HvcHandlerOptions): HvcHandler {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const metrics = options.metrics ?? createServerMetrics();
  const maxDeadlineMs = options.limits?.maxDeadlineMs ?? 5 * 60_000;
  const maxTokenLength = options.limits?.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  const cache = { ttlMs: options.limits?.accessCacheMs ?? 5_000, changes: options.store.changes };
  const store: HvcStore = { ...options.store, targets: cachedTargetReads(options.store.targets, cache) };
  const principals = cachedPrincipalReads(options.store.members, cache);
  const deps = { resolver: options.resolver, authorizer: cachedAuthorizer(options.authorizer, cache), store };
  const iamByRequest = new WeakMap<NodeRequest, IamContext>();
  const unauthenticated = createStreamQuota({
    total: options.limits?.maxUnauthenticatedStreams ?? 256,
    perClient: options.limits?.maxUnauthenticatedStreamsPerClient ?? 16,
  });

  const consoleSessions = createStreamQuota({
    total: options.console?.maxSessions ?? 256,
    perClient: options.console?.maxSessionsPerOrganization ?? 16,
  });

  const connect = connectNodeAdapter({
    routes: hvcRoutes(deps, {
      watchRecheckMs: options.limits?.watchRecheckMs ?? 5_000,
      ready: options.ready ?? (() => true),
      targets: {
        probesPerMinute: options.limits?.targetProbesPerMinute ?? 10,
        probeWindowMs: options.limits?.targetProbeWindowMs ?? 5_000,
        clock: options.clock ?? systemClock,
      },
      consoles: {
        ticketTtlMs: options.console?.ticketTtlMs ?? 60_000,
        clock: options.console?.clock ?? systemClock,
        sessions: consoleSessions,
        ...(options.console?.publicUrl === undefined ? {} : { publicUrl: options.console.publicUrl }),
      },
    }),
    readMaxBytes: options.limits?.readMaxBytes ?? 1024 * 1024,
    compressMinBytes: options.limits?.compressMinBytes ?? 64 * 1024,
    // Deadlines are lowered to the maximum before they get here; this only refuses what slipped past.
    maxTimeoutMs: maxDeadlineMs,
    jsonOptions: { ignoreUnknownFields: false },
    ...(options.shutdownSignal ? { shutdownSignal: fanOut(options.shutdownSignal) } : {}),
    interceptors: [
      observeInterceptor(metrics, logger),
      auditInterceptor(options.store.audit, HVC_SERVICES, (error) =>
        logger.error({ err: error }, 'audit write failed'),
      ),
      errorInterceptor,
      idempotencyInterceptor(options.store.idempotency, options.store.requestMac, KEYED_SERVICES, {
        onError: (error) => logger.error({ err: error }, 'idempotency key bookkeeping failed'),
        ...(options.limits?.idempotencyKeyTtlMs === undefined
          ? {}
          : { ttlMs: options.limits.idempotencyKeyTtlMs }),
        ...options.idempotency,
      }),
    ],
    contextValues: (req) => {
      const values = createContextValues();
      const iam = iamByRequest.get(req);
      if (iam) values.set(IAM_KEY, iam);
      return values;
    },
  });

  const upgrade = createConsoleUpgradeHandler(
    { ...deps, sessions: consoleSessions },
    { ...options.console, logger },
  );
  const handler = (req: NodeRequest, res: NodeResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path.startsWith(`/${Health.typeName}/`)) {
      // Health calls need no token, so what they may hold is bounded here, before anything is parsed.
      const release = unauthenticated.acquire(clientAddressOf(req) ?? 'unknown');
      if (!release) {
        metrics.unauthenticatedRefused.inc();
        refuseBusy(req, res, 'too many unauthenticated calls');
        return;
      }
      res.once('close', release);
      connect(req, res);
      return;
    }
    let iam: IamContext;
    try {
      iam = createIamContext(
        readBearerToken(req.rawHeaders, maxTokenLength),
        options.authenticator,
        principals,
      );
    } catch (error) {
      if (!isAuthFailure(error)) throw error;
      metrics.authFailures.inc({ reason: error.reason });
      refuseRequest(req, res, error);
      return;
    }
    iam.identity().then(
      () => {
        iamByRequest.set(req, iam);
        clampDeadline(req.headers, maxDeadlineMs);
        decodeFailureAsInvalidArgument(req, res);
        connect(req, res);
      },
      (error: unknown) => {
        if (isAuthFailure(error)) {
          metrics.authFailures.inc({ reason: error.reason });
          logger.info({ reason: error.reason, path }, 'authentication failed');
          refuseRequest(req, res, error);
          return;
        }
        logger.error({ err: error, path }, 'authentication error');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'internal', message: 'internal error' }));
      },
    );
  };
  return Object.assign(handler, { upgrade });
}

/**
 * A signal that follows `shutdown` through one listener on it. Each call in flight links its own signal to the one
 * handed to the RPC layer and unlinks it when it ends, so that signal carries one listener per call in flight: it
 * gets no listener limit, and the caller's signal never sees more than this one.
 */
function fanOut(shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  if (shutdown.aborted) controller.abort(shutdown.reason);
  else shutdown.addEventListener('abort', () => controller.abort(shutdown.reason), { once: true });
  return controller.signal;
}
