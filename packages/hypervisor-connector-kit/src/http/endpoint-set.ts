import { Pool } from 'undici';
import type { TlsTrust } from '../tls/tls-trust.js';
import { createTlsConnector } from './tls-connector.js';
import { transportFailure } from './transport-failure.js';

/** One endpoint of a target (say, one node of a cluster) and its connection pool. */
export interface Endpoint {
  /** `https://host:port`. */
  readonly url: string;
  /** The node this endpoint is, when known (configured, or learnt with {@link EndpointSet.learnNodes}). */
  node: string | undefined;
  /** Its keep-alive pool: what `createUndiciTransport` sends on (or `endpoint.pool.request(...)` directly, uncapped). */
  readonly pool: Pool;
  /** Until when (ms since epoch) a connect failure keeps it at the back of the order. */
  downUntil: number;
}

/** One endpoint as configured. */
export interface EndpointDefinition {
  readonly url: string;
  readonly node?: string;
  /** How its certificate is trusted. */
  readonly tls: TlsTrust;
}

/** Settings of an {@link EndpointSet}. */
export interface EndpointSetOptions {
  /** Most sockets per endpoint. */
  readonly connections: number;
  /** Deadline of the TCP and TLS handshake. */
  readonly connectTimeoutMs: number;
  /** How long an idle socket is kept open; below the servers' own idle timeout. Default 4 s. */
  readonly keepAliveTimeoutMs?: number;
  /** How long a connect failure sends an endpoint to the back of the order. Default 10 s. */
  readonly downForMs?: number;
  /** The time (ms since epoch) of down marks. Default `Date.now`. */
  readonly now?: () => number;
}

/** How {@link EndpointSet.failover} tells a failure that may go to the next endpoint. */
export interface FailoverOptions {
  /**
   * Whether `error` left the request unsent, so another endpoint may take it (even a write). Default: the
   * transport error says so (see `transportFailure`).
   */
  readonly nothingSent?: (error: unknown) => boolean;
  /** Told of each endpoint given up on, before the next one is tried. */
  readonly onFailover?: (endpoint: Endpoint, error: unknown) => void;
}

/**
 * The endpoints of one target (any of which answers for it), each with its own keep-alive pool and TLS trust.
 * Hands out the order to try them in — the node a call is about first, then healthy ones in configured order,
 * then those that recently failed to connect — and fails over along it when a request could not be sent.
 */
export class EndpointSet {
  readonly #endpoints: Endpoint[];
  readonly #downForMs: number;
  readonly #now: () => number;

  constructor(definitions: readonly EndpointDefinition[], options: EndpointSetOptions) {
    if (definitions.length === 0) throw new RangeError('an endpoint set needs at least one endpoint');
    this.#downForMs = options.downForMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#endpoints = definitions.map((definition) => ({
      url: definition.url,
      node: definition.node,
      downUntil: 0,
      pool: new Pool(definition.url, {
        connections: options.connections,
        pipelining: 1,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
        connect: createTlsConnector(definition.tls, { connectTimeoutMs: options.connectTimeoutMs }),
      }),
    }));
  }

  /** The order to try endpoints in for a call about `node`. */
  order(node?: string): readonly Endpoint[] {
    if (this.#endpoints.length === 1) return this.#endpoints;
    const now = this.#now();
    const rank = (endpoint: Endpoint) =>
      (endpoint.downUntil > now ? 2 : 0) + (node !== undefined && endpoint.node === node ? 0 : 1);
    return [...this.#endpoints].sort((a, b) => rank(a) - rank(b));
  }

  /** Remembers that `endpoint` could not be connected to. */
  markDown(endpoint: Endpoint): void {
    endpoint.downUntil = this.#now() + this.#downForMs;
  }

  /**
   * Runs `attempt` on the first endpoint in the order for `node`; when it fails without having sent the request,
   * marks that endpoint down and runs it on the next one. Any other failure, and the last endpoint's, is thrown.
   */
  async failover<T>(
    node: string | undefined,
    attempt: (endpoint: Endpoint) => Promise<T>,
    options: FailoverOptions = {},
  ): Promise<T> {
    const nothingSent = options.nothingSent ?? ((error: unknown) => transportFailure(error).nothingSent);
    const order = this.order(node);
    for (let index = 0; ; index++) {
      const endpoint = order[index] as Endpoint;
      try {
        return await attempt(endpoint);
      } catch (error) {
        if (!nothingSent(error)) throw error;
        this.markDown(endpoint);
        if (index === order.length - 1) throw error;
        options.onFailover?.(endpoint, error);
      }
    }
  }

  /** Whether some endpoint's node is unknown (and there is more than one to choose from). */
  get needsNodeNames(): boolean {
    return this.#endpoints.length > 1 && this.#endpoints.some((endpoint) => endpoint.node === undefined);
  }

  /**
   * Names the endpoints whose host is a node's address or name (or the name's first label), so calls about a node
   * go to that node.
   */
  learnNodes(nodes: readonly { readonly name: string; readonly ip?: string | undefined }[]): void {
    for (const endpoint of this.#endpoints) {
      if (endpoint.node !== undefined) continue;
      const host = new URL(endpoint.url).hostname.replace(/^\[|\]$/g, '');
      const match = nodes.find(
        (node) => node.ip === host || node.name === host || host.startsWith(`${node.name}.`),
      );
      if (match) endpoint.node = match.name;
    }
  }

  /**
   * Closes every pool: requests in flight may finish for up to `graceMs`, then the sockets are destroyed and what
   * is still running fails.
   */
  async close(graceMs: number): Promise<void> {
    await Promise.all(
      this.#endpoints.map(async (endpoint) => {
        let timer: NodeJS.Timeout | undefined;
        const closed = endpoint.pool.close().then(
          () => true,
          () => false,
        );
        const expired = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
          timer.unref();
        });
        const graceful = await Promise.race([closed, expired]);
        clearTimeout(timer);
        if (!graceful) await endpoint.pool.destroy().catch(() => undefined);
      }),
    );
  }
}
