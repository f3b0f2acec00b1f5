import type { ProxmoxApiClient } from './proxmox-api-client.js';
import type { RawUndiciClient } from './raw-undici-client.js';

/** Lists the fleet as a client without a cluster-wide listing does, with raw undici: `/nodes`, then each node's lists. */
export async function listPerNode(raw: RawUndiciClient): Promise<unknown[]> {
  const nodes = (await raw.getJson('/api2/json/nodes')) as Array<{ node: string }>;
  const lists = await Promise.all(
    nodes.flatMap(({ node }) => [
      raw.getJson(`/api2/json/nodes/${node}/qemu`),
      raw.getJson(`/api2/json/nodes/${node}/lxc`),
    ]),
  );
  return (lists as unknown[][]).flat();
}

/** The same per-node listing through `proxmox-api`. */
export async function listPerNodeWithPeer(peer: ProxmoxApiClient): Promise<unknown[]> {
  const nodes = (await peer.listNodes()) as Array<{ node: string }>;
  const lists = await Promise.all(nodes.map(({ node }) => peer.listNodeGuests(node)));
  return lists.flat();
}
