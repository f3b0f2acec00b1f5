import { UnavailableError } from '@hvc/hypervisor-connector';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { PveNodesSchema } from '../schemas/nodes.js';

/** The node a new guest goes to when its spec names none: the online node with the most free memory. */
export async function guestPlacement(pve: ProxmoxContext, signal: AbortSignal | undefined): Promise<string> {
  const nodes = await pve.client.get('/nodes', undefined, PveNodesSchema, { signal });
  const online = nodes
    .filter((node) => node.status === 'online')
    .sort(
      (a, b) =>
        (b.maxmem ?? 0) - (b.mem ?? 0) - ((a.maxmem ?? 0) - (a.mem ?? 0)) || a.node.localeCompare(b.node),
    );
  const chosen = online[0];
  if (!chosen) throw new UnavailableError('no node of the cluster is online', pve.origin);
  return chosen.node;
}
