import { PollingWatcher } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { listAllGuests } from './guest-reads.js';

/**
 * The connector's `watchGuests`: the kit's {@link PollingWatcher} over the same `/cluster/resources` listing
 * `listGuests` makes (one call for the whole cluster), shared with concurrent `listGuests` calls of the same filter.
 * One poll loop per filter serves every watcher of the connector; pacing comes from `config.watch`. Close it with
 * the connector, so its watchers end with UNAVAILABLE.
 */
export function pveGuestWatcher(pve: ProxmoxContext): PollingWatcher {
  const { intervalMs, maxBackoffMs } = pve.config.watch;
  return new PollingWatcher({
    list: (filter, signal) =>
      pve.listings.run(filter, (shared) => listAllGuests(pve, filter, shared), signal),
    intervalMs,
    backoff: { initialMs: intervalMs, factor: 2, maxMs: maxBackoffMs, jitter: 0.2 },
    ...pve.origin,
  });
}
