import type { Guest, GuestEvent } from '@hvc/hypervisor-connector';
import { canonicalJson } from '../hash/stable-hash.js';

/**
 * The top-level `Guest` fields a watch compares. `usage` (CPU load, memory in use, uptime, traffic) and `raw` (the
 * hypervisor's record, which carries the same counters) move on every poll without anything having happened to the
 * guest, so they are left out: a change of them alone is no event, though every event carries the latest values.
 */
export const WATCHED_GUEST_FIELDS = [
  'type',
  'name',
  'node',
  'state',
  'template',
  'lock',
  'tags',
  'pool',
  'resources',
] as const satisfies readonly (keyof Guest)[];

/** The {@link WATCHED_GUEST_FIELDS} whose values differ between `previous` and `guest`, in that order. */
export function changedGuestFields(previous: Guest, guest: Guest): string[] {
  return WATCHED_GUEST_FIELDS.filter(
    (field) => canonicalJson(previous[field]) !== canonicalJson(guest[field]),
  );
}

/** A `changed` event from `previous` to `guest`, or `undefined` when no watched field differs. */
export function guestChange(previous: Guest, guest: Guest, at: string): GuestEvent | undefined {
  const fields = changedGuestFields(previous, guest);
  return fields.length === 0 ? undefined : { type: 'changed', guest, previous, fields, at };
}

/**
 * The events that turn listing `previous` into listing `next` (both keyed by guest id): `removed` for ids gone,
 * `added` for new ids, `changed` for ids whose watched fields differ, in the order of `next` (removals first).
 */
export function diffGuestListings(
  previous: ReadonlyMap<string, Guest>,
  next: ReadonlyMap<string, Guest>,
  at: string,
): GuestEvent[] {
  const events: GuestEvent[] = [];
  for (const [guestId, guest] of previous) {
    if (!next.has(guestId)) events.push({ type: 'removed', guestId, previous: guest, at });
  }
  for (const [guestId, guest] of next) {
    const before = previous.get(guestId);
    if (before === undefined) {
      events.push({ type: 'added', guest, at });
      continue;
    }
    const change = guestChange(before, guest, at);
    if (change !== undefined) events.push(change);
  }
  return events;
}

/** The guest id an event is about; `undefined` for a `sync`. */
export function guestIdOf(event: GuestEvent): string | undefined {
  switch (event.type) {
    case 'sync':
      return undefined;
    case 'removed':
      return event.guestId;
    default:
      return event.guest.id;
  }
}
