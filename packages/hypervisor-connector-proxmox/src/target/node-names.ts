import type { EndpointSet } from '@hvc/hypervisor-connector-kit/http';
import { type PveClusterStatusItem, PveClusterStatusSchema } from '../schemas/cluster.js';
import type { PveClient } from '../transport/pve-client.js';

/**
 * Tells the endpoint set which endpoint is which node (from `/cluster/status`), so that calls about a guest go to
 * its own node and skip PVE's proxy hop.
 */
export class NodeNames {
  readonly #client: PveClient;
  readonly #endpoints: EndpointSet;
  #asked = false;

  constructor(client: PveClient, endpoints: EndpointSet) {
    this.#client = client;
    this.#endpoints = endpoints;
  }

  /**
   * Asks the cluster once when some endpoint's node is unknown; `undefined` (no turn of the event loop) when
   * there is nothing to learn. A failed read leaves the configured order.
   */
  learnOnce(signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.#asked || !this.#endpoints.needsNodeNames) return undefined;
    this.#asked = true;
    return this.#client
      .get('/cluster/status', undefined, PveClusterStatusSchema, { signal })
      .then((cluster) => this.learn(cluster))
      .catch(() => undefined);
  }

  /** Learns the node names of a `/cluster/status` read made for another reason. */
  learn(cluster: readonly PveClusterStatusItem[]): void {
    this.#endpoints.learnNodes(
      cluster.flatMap((item) =>
        item.type === 'node' && item.name ? [{ name: item.name, ip: item.ip }] : [],
      ),
    );
  }
}
