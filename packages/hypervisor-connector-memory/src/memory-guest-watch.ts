import type { GuestEvent, GuestFilter } from '@hvc/hypervisor-connector';
import { type CallContext, matchesGuestFilter, PollingWatcher } from '@hvc/hypervisor-connector-kit';
import { toGuest } from './guest-record.js';
import type { MemoryContext } from './memory-context.js';

/**
 * How often the memory connector looks at its guests for a watch. Its listing is an in-process read, so it can be
 * short; on a manual clock a test advances by it.
 */
export const MEMORY_WATCH_INTERVAL_MS = 250;

/**
 * The memory connector's `watchGuests`: the kit's {@link PollingWatcher} over its own listing (guests are changed in
 * place by many actions and operations, so the listing is the one place that sees every change). Polls run on the
 * connector's clock without its call latency; closing the connector (`closing` fires) ends every watcher with
 * UNAVAILABLE.
 */
export function watchMemoryGuests(
  context: MemoryContext,
  closing: AbortSignal,
): (filter: GuestFilter, call: CallContext) => AsyncIterable<GuestEvent> {
  const { state, clock, origin } = context;
  const watcher = new PollingWatcher({
    list: async (filter) =>
      state
        .list()
        .map((record) => toGuest(record, clock.now()))
        .filter((guest) => matchesGuestFilter(guest, filter)),
    intervalMs: MEMORY_WATCH_INTERVAL_MS,
    clock,
    ...origin,
  });
  closing.addEventListener('abort', () => watcher.close(), { once: true });
  return (filter, call) => watcher.watch(filter, call.signal);
}
