import type { Guest } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import type { ProxmoxContext } from '../connector/proxmox-context.js';

/** The node entries of `/cluster/resources?type=node`: only what tells a node that is down. */
const NodeEntriesSchema = z.array(
  z.looseObject({ node: z.string().optional(), status: z.string().optional() }),
);

/**
 * The nodes `/cluster/resources` says are not online. A node that died is `offline` there as soon as corosync says so
 * (pve-manager `PVE/API2Tools.pm` `extract_node_stats`), while its guests' entries keep pvestatd's last RRD row — and
 * its `status: running` — for up to 5 minutes (pve-cluster `src/pmxcfs/status.c` `rrd_entry_is_old`). Read beside the
 * guest listing; when it cannot be read, no node counts as down and the listing says what PVE says.
 */
export async function offlineNodes(
  pve: ProxmoxContext,
  signal: AbortSignal | undefined,
): Promise<ReadonlySet<string>> {
  try {
    const entries = await pve.client.get(
      '/cluster/resources',
      { type: 'node' },
      NodeEntriesSchema,
      signal === undefined ? {} : { signal },
    );
    const down = new Set<string>();
    for (const entry of entries) if (entry.node && entry.status !== 'online') down.add(entry.node);
    return down;
  } catch {
    return new Set();
  }
}

/** A guest listed on a node that is down: its state is `unknown`, whatever the node last reported (`raw` keeps it). */
export function onOfflineNode(guest: Guest, node: string | undefined, offline: ReadonlySet<string>): Guest {
  return node !== undefined && offline.has(node) ? { ...guest, state: 'unknown' } : guest;
}
