import { NotFoundError } from '@hvc/hypervisor-connector';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { PveNodesSchema } from '../schemas/nodes.js';

/** The cluster's nodes (`GET /nodes`, open to every user): names and whether they are online. */
export async function clusterNodes(
  pve: ProxmoxContext,
  signal: AbortSignal | undefined,
): Promise<{ readonly name: string; readonly online: boolean }[]> {
  const nodes = await pve.client.get('/nodes', undefined, PveNodesSchema, { signal });
  return nodes.map((n) => ({ name: n.node, online: n.status === 'online' }));
}

/** NOT_FOUND naming the query field unless the cluster has `node`. */
export function requireKnownNode(
  pve: ProxmoxContext,
  nodes: readonly { name: string }[],
  node: string,
): void {
  if (nodes.some((n) => n.name === node)) return;
  throw new NotFoundError(`node '${node}' not found`, {
    ...pve.origin,
    details: { resource: 'node', id: node, field: 'node' },
  });
}
