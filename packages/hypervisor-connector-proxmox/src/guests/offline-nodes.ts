import type { Guest } from '@hvc/hypervisor-connector';

/**
 * A guest listed on a node that is down (`offline` from the node entries of the same `/cluster/resources` read, see
 * `GuestLocator.listing`): its state is `unknown`, whatever the node last reported (`raw` keeps it).
 */
export function onOfflineNode(guest: Guest, node: string | undefined, offline: ReadonlySet<string>): Guest {
  return node !== undefined && offline.has(node) ? { ...guest, state: 'unknown' } : guest;
}
