import { type ConnectorImplementation, imagePageKey, pageOf } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { pveImages } from './image-inventory.js';
import { clusterNodes, requireKnownNode } from './inventory-nodes.js';
import { pveNetworks } from './network-inventory.js';
import { pveStorages, storageMatches } from './storage-inventory.js';

/**
 * Storages, networks and images of the cluster. PVE cannot page these lists: each call reads what it needs, filters
 * and pages in memory (`pageOf`, keyset tokens bound to the query).
 */
export function inventoryMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'listStorages' | 'listNetworks' | 'listImages'> {
  /** NOT_FOUND for a query's unknown node, read beside `work`. */
  const withNode = async <T>(node: string | undefined, signal: AbortSignal | undefined, work: Promise<T>) => {
    if (node === undefined) return work;
    const [nodes, result] = await Promise.all([clusterNodes(pve, signal), work]);
    requireKnownNode(pve, nodes, node);
    return result;
  };
  return {
    listStorages: async (query, { signal }) => {
      const storages = await withNode(query.node, signal, pveStorages(pve, signal));
      return pageOf(
        'storages',
        storages.filter((s) => storageMatches(s, query)),
        query,
        (s) => s.id,
      );
    },
    listNetworks: async (query, { signal }) => {
      const nodes = await clusterNodes(pve, signal);
      if (query.node !== undefined) requireKnownNode(pve, nodes, query.node);
      const networks = (await pveNetworks(pve, nodes, signal)).filter(
        (n) =>
          (query.node === undefined || n.nodes.includes(query.node)) &&
          (query.kinds === undefined || query.kinds.includes(n.kind)),
      );
      return pageOf('networks', networks, query, (n) => n.id);
    },
    listImages: async (query, { signal }) => {
      const storages = await withNode(query.node, signal, pveStorages(pve, signal));
      return pageOf('images', await pveImages(pve, storages, query, signal), query, imagePageKey);
    },
  };
}
