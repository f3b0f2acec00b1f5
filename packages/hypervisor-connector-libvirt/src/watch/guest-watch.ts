import { UnavailableError } from '@hvc/hypervisor-connector';
import { isPermanentWatchError, PollingWatcher } from '@hvc/hypervisor-connector-kit';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { listGuests } from '../domains/guest-reads.js';

/**
 * How often a watch re-lists when no domain event came: the fallback for changes libvirt sends no event for (the
 * template flag in the metadata, a device added) and for events lost while a host connection was re-opened.
 */
export const LIBVIRT_WATCH_FALLBACK_MS = 15_000;

/**
 * The connector's `watchGuests`: the kit's {@link PollingWatcher} over `listGuests`, woken by libvirt's domain events.
 * Every host connection registers LIFECYCLE, REBOOT and JOB_COMPLETED callbacks
 * (`CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY`, see `LibvirtHost`); each event makes every watch re-list at once
 * and diff, so a define, start, stop or undefine shows as soon as libvirt reports it, with the guest as a listing
 * sees it. Between events a listing every {@link LIBVIRT_WATCH_FALLBACK_MS} catches what has no event. A listing
 * while a host does not answer counts as a failed poll, not as its guests being removed: the watch backs off and
 * sends a `sync` once every host answers again (also after a host connection was re-opened).
 */
export function libvirtGuestWatcher(context: LibvirtContext, target?: string): PollingWatcher {
  const watcher = new PollingWatcher({
    list: async (filter, signal) => {
      const { unreachable } = await context.target.reachable(signal);
      // A host refusing the credential or the TLS pin ends the watch; one that is down is a gap.
      const refused = unreachable.find((u) => isPermanentWatchError(u.error));
      if (refused !== undefined) throw refused.error;
      if (unreachable.length > 0) {
        throw new UnavailableError(
          `a watch needs every host: ${unreachable.map((u) => u.error.message).join('; ')}`,
          { cause: unreachable[0]?.error },
        );
      }
      return listGuests(context, filter, signal);
    },
    intervalMs: LIBVIRT_WATCH_FALLBACK_MS,
    ...(target === undefined ? {} : { target }),
  });
  context.events.onEvent(() => watcher.refresh());
  return watcher;
}
