import { ConcurrencyLimiter } from '@hvc/hypervisor-connector-kit';
import {
  createFetchTransport,
  createUndiciTransport,
  EndpointSet,
  type HttpTransport,
} from '@hvc/hypervisor-connector-kit/http';
import type { Authenticator } from '../auth/authenticator.js';
import { authenticatorFor } from '../auth/credentials-authenticator.js';
import type { ProxmoxConfig } from '../config/config-schema.js';
import type { ProxmoxLogger } from './logger.js';
import { PveClient } from './pve-client.js';
import { PveHttp } from './pve-http.js';

/** How one target is reached: its endpoints, the credential's authenticator and the client over both. */
export interface PveTransport {
  readonly endpoints: EndpointSet;
  readonly auth: Authenticator;
  readonly client: PveClient;
}

/** What a transport needs besides the config. */
export interface PveTransportOptions {
  /** The clock of ticket renewal and endpoint down marks (ms since epoch). */
  readonly now: () => number;
  readonly logger: ProxmoxLogger;
  readonly target: string | undefined;
}

/**
 * The transport of one target: a keep-alive pool per endpoint (each trusting its own fingerprint, or the target's
 * TLS settings), the target's concurrency cap over all of them, and auth.
 */
export function createPveTransport(config: ProxmoxConfig, options: PveTransportOptions): PveTransport {
  const { now, logger, target } = options;
  const shared = config.tls.fingerprint === undefined ? undefined : [config.tls.fingerprint].flat();
  const endpoints = new EndpointSet(
    config.endpoints.map((endpoint) => {
      const fingerprints =
        'fingerprint' in endpoint && endpoint.fingerprint ? [endpoint.fingerprint] : shared;
      return {
        url: endpoint.url,
        ...('node' in endpoint && endpoint.node ? { node: endpoint.node } : {}),
        tls: {
          ...(config.tls.ca === undefined ? {} : { ca: config.tls.ca }),
          ...(fingerprints === undefined ? {} : { fingerprints }),
          ...(config.tls.insecure ? { insecure: true } : {}),
        },
      };
    }),
    { connections: config.concurrency, connectTimeoutMs: config.timeouts.connectMs, now },
  );
  const http = new PveHttp({
    endpoints,
    transport: httpTransport(config.transport),
    limiter: new ConcurrencyLimiter(config.concurrency),
    requestTimeoutMs: config.timeouts.requestMs,
    maxResponseBytes: config.maxResponseBytes,
    logger,
    ...(target === undefined ? {} : { target }),
  });
  const auth = authenticatorFor(config.credentials, {
    http,
    renewAfterMs: config.ticketRenewAfterMs,
    now,
    target,
  });
  return { endpoints, auth, client: new PveClient(http, auth, config.readAttempts, logger) };
}

/** The transport `transport` names; `'fetch'` looks the global `fetch` up at each request (msw patches it). */
function httpTransport(transport: ProxmoxConfig['transport']): HttpTransport {
  if (transport === 'undici') return createUndiciTransport();
  if (transport === 'fetch') return createFetchTransport((input, init) => globalThis.fetch(input, init));
  return createFetchTransport(transport.fetch);
}
