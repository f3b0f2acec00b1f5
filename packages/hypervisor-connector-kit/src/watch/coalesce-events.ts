import type { Guest, GuestEvent } from '@hvc/hypervisor-connector';
import { guestChange, guestIdOf } from './guest-diff.js';

type SyncEvent = Extract<GuestEvent, { type: 'sync' }>;

/**
 * The shortest run of events with the same outcome as `events` for a consumer that has not seen them: every event
 * after a `sync` is folded into it, and the events of one guest merge into one (`added` then `removed` into none,
 * `changed` then `changed` into one `changed` from the first `previous`, and so on), placed where that guest's last
 * event was. What a watcher's queue does when its consumer falls behind; intermediate states are lost, the end
 * state is not.
 */
export function coalesceGuestEvents(events: readonly GuestEvent[]): GuestEvent[] {
  let sync: { guests: Map<string, Guest>; at: string } | undefined;
  const pending = new Map<string, GuestEvent>();
  for (const event of events) {
    if (event.type === 'sync') {
      sync = { guests: new Map(event.guests.map((guest) => [guest.id, guest])), at: event.at };
      pending.clear();
      continue;
    }
    const guestId = guestIdOf(event)!;
    if (sync !== undefined) {
      if (event.type === 'removed') sync.guests.delete(guestId);
      else sync.guests.set(guestId, event.guest);
      sync.at = event.at;
      continue;
    }
    const before = pending.get(guestId);
    pending.delete(guestId);
    const merged = before === undefined ? event : mergeGuestEvents(before, event);
    if (merged !== undefined) pending.set(guestId, merged);
  }
  const head: SyncEvent[] =
    sync === undefined ? [] : [{ type: 'sync', guests: [...sync.guests.values()], at: sync.at }];
  return [...head, ...pending.values()];
}

/** One event with the effect of `first` then `second` (same guest, neither a `sync`), or none when they cancel out. */
function mergeGuestEvents(first: GuestEvent, second: GuestEvent): GuestEvent | undefined {
  if (first.type === 'added') {
    if (second.type === 'removed') return undefined;
    if (second.type === 'changed') return { type: 'added', guest: second.guest, at: second.at };
  }
  if (first.type === 'changed') {
    if (second.type === 'changed') return guestChange(first.previous, second.guest, second.at);
    if (second.type === 'removed') return { ...second, previous: first.previous };
  }
  if (first.type === 'removed' && second.type === 'added') {
    return guestChange(first.previous, second.guest, second.at);
  }
  return second;
}
