import type { Guest, GuestFilter } from '@hvc/hypervisor-connector';
import { type ConnectorImplementation, matchesGuestFilter } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { guestFromResource, guestFromStatus, ListingValues, vmidOf } from '../mapping/guest-mapping.js';
import { splitPendingConfig } from '../mapping/pending-config.js';
import type { PveClusterResource } from '../schemas/cluster.js';
import { PveGuestPendingSchema, PveGuestStatusSchema } from '../schemas/guests.js';
import { guestPath, onGuest } from './guest-scope.js';
import { onOfflineNode } from './offline-nodes.js';
import { statusesOfRrdLess } from './rrd-less-entries.js';
import { sortByVmid } from './vmid-order.js';

/**
 * `listGuests` (one `/cluster/resources` call for the whole cluster, its guests and its nodes' states, plus the
 * guests' own status where an entry lacks pvestatd's figures; concurrent calls with the same filter share one listing) and `getGuest` (the guest's status and config,
 * read at once from its own node: its config as it runs, and the changes pending for its next start): the hot paths, kept free of copies and second passes.
 */
export function guestReadMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'listGuests' | 'getGuest'> {
  return {
    listGuests: (filter, { signal }) =>
      pve.listings.run(filter, (shared) => listAllGuests(pve, filter, shared), signal),
    getGuest: (ref, { signal }) =>
      onGuest(pve, ref, signal, async (node, pool) => {
        const call = { node, signal };
        const base = guestPath(ref, node);
        const [status, pending] = await Promise.all([
          pve.client.get(`${base}/status/current`, undefined, PveGuestStatusSchema, call),
          pve.client.get(`${base}/pending`, undefined, PveGuestPendingSchema, call),
        ]);
        return guestFromStatus(ref.type, node, status, splitPendingConfig(pending), pool);
      }),
  };
}

/** One listing: every guest in scope that passes `filter`, in VMID order. */
export async function listAllGuests(
  pve: ProxmoxContext,
  filter: GuestFilter,
  signal: AbortSignal,
): Promise<Guest[]> {
  // One read gives the guests and the nodes that are down.
  const { guests: items, offlineNodes: offline } = await pve.locator.listing(signal);
  // Sorted on the items' numeric VMIDs, read once each, before mapping.
  sortByVmid(items, vmidOf);
  const own = await statusesOfRrdLess(pve, items, vmidOf, signal);
  // Sized for every item and cut to length after (no regrowth); an indexed loop, as a `for...of` here allocated an
  // iterator result per item.
  const guests = new Array<Guest>(items.length);
  let kept = 0;
  const shared = new ListingValues();
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as PveClusterResource;
    const guest = onOfflineNode(guestFromResource(item, own.get(item), shared), item.node, offline);
    if (matchesGuestFilter(guest, filter)) guests[kept++] = guest;
  }
  guests.length = kept;
  pve.shapes.keepGuests(guests, shared);
  return guests;
}
