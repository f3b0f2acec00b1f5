import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveClusterResource } from '../schemas/cluster.js';
import { type PveGuestStatus, PveGuestStatusSchema } from '../schemas/guests.js';
import { pvePath } from '../transport/form-encoding.js';

/**
 * Whether a `/cluster/resources` guest entry came without pvestatd's RRD row. pve-manager `PVE/API2Tools.pm`
 * `extract_vm_stats` gives `id`, `vmid`, `node`, `type` and `status: 'unknown'` always, and name, status, template,
 * `maxcpu`, `maxmem`, `maxdisk` and usage only from that row — absent for a guest created since pvestatd's last
 * round (every 10 s), and for the guests of a node that has not reported for 5 minutes.
 */
export function lacksRrdRow(item: PveClusterResource): boolean {
  return item.maxcpu === undefined || item.maxmem === undefined || item.name === undefined;
}

/**
 * The guests' own status records, for the entries that lack their RRD row, read from their nodes (one
 * `/nodes/{node}/{type}` list per node and type when several are missing, else the guest's `status/current`; a VM
 * such a list says is running is read on its own, as only `status/current` tells a paused one). A guest whose node
 * cannot be read has none: its entry stays as PVE sent it.
 */
export async function statusesOfRrdLess(
  pve: Pick<ProxmoxContext, 'client' | 'batches'>,
  items: readonly PveClusterResource[],
  vmidOf: (item: PveClusterResource) => number,
  signal: AbortSignal | undefined,
): Promise<ReadonlyMap<PveClusterResource, PveGuestStatus>> {
  const missing = items.filter((item) => item.node !== undefined && lacksRrdRow(item));
  const found = new Map<PveClusterResource, PveGuestStatus>();
  if (missing.length === 0) return found;
  const reads = await Promise.allSettled(
    missing.map((item) => pve.batches.statuses.get(`${item.node}/${item.type}`, vmidOf(item), signal)),
  );
  signal?.throwIfAborted();
  const readExact = (item: PveClusterResource) =>
    pve.client.get(
      `${pvePath('nodes', item.node ?? '', item.type, vmidOf(item))}/status/current`,
      undefined,
      PveGuestStatusSchema,
      { node: item.node ?? '', ...(signal ? { signal } : {}) },
    );
  const vague: Array<Promise<void>> = [];
  reads.forEach((read, index) => {
    const item = missing[index];
    if (!item || read.status !== 'fulfilled' || !read.value) return;
    found.set(item, read.value.status);
    // A node's list says `running` for a paused VM (no `qmpstatus` without `full`): its own status tells.
    if (!read.value.exact && item.type === 'qemu' && read.value.status.status === 'running') {
      vague.push(
        readExact(item).then(
          (status) => {
            found.set(item, status);
          },
          () => undefined,
        ),
      );
    }
  });
  await Promise.all(vague);
  signal?.throwIfAborted();
  return found;
}
