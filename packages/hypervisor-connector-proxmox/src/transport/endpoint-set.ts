import { Pool } from 'undici';
import { createTlsConnector, type EndpointTls } from './tls-connector.js';

/** One API endpoint (a cluster node) and its connection pool. */
export interface Endpoint {
  /** `https://host:port`. */
  readonly url: string;
  /** The PVE node this endpoint is, when known. */
  node: string | undefined;
  readonly pool: Pool;
  /** Until when (ms since epoch) a connect failure keeps it at the back of the queue. */
  downUntil: number;
}

/** What the set needs to know about each configured endpoint. */
export interface EndpointDefinition {
  readonly url: string;
  readonly node?: string;
  readonly tls: EndpointTls;
}

const DOWN_FOR_MS = 10_000;

/**
 * The endpoints of one target, each with its own keep-alive pool capped at `connections` sockets. Hands out the
 * order to try them in: the node a call is about first, then healthy ones in configured order, then those that
 * recently failed to connect.
 */
export class EndpointSet {
  readonly #endpoints: Endpoint[];

  constructor(definitions: readonly EndpointDefinition[], connections: number) {
    this.#endpoints = definitions.map((definition) => ({
      url: definition.url,
      node: definition.node,
      downUntil: 0,
      pool: new Pool(definition.url, {
        connections,
        pipelining: 1,
        keepAliveTimeout: 4_000,
        connect: createTlsConnector(definition.tls),
      }),
    }));
  }

  /** The order to try endpoints in for a call about `node`. */
  order(node: string | undefined, now: number): readonly Endpoint[] {
    if (this.#endpoints.length === 1) return this.#endpoints;
    const rank = (endpoint: Endpoint) =>
      (endpoint.downUntil > now ? 2 : 0) + (node !== undefined && endpoint.node === node ? 0 : 1);
    return [...this.#endpoints].sort((a, b) => rank(a) - rank(b));
  }

  /** Remembers that `endpoint` could not be connected to. */
  markDown(endpoint: Endpoint, now: number): void {
    endpoint.downUntil = now + DOWN_FOR_MS;
  }

  /** Whether some endpoint's node is unknown (and there is more than one to choose from). */
  get needsNodeNames(): boolean {
    return this.#endpoints.length > 1 && this.#endpoints.some((endpoint) => endpoint.node === undefined);
  }

  /**
   * Names the endpoints whose host is a node's address or name (from `/cluster/status`), so calls about a node
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
