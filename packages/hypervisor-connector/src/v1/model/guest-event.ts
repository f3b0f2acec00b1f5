import type { Guest } from './guest.js';

/**
 * One change seen by `watchGuests`. A `sync` comes first and again after any gap (a lost connection, a missed
 * poll): it lists every guest the filter matches, and changes follow from there.
 */
export type GuestEvent =
  | { readonly type: 'sync'; readonly guests: readonly Guest[]; readonly at: string }
  | { readonly type: 'added'; readonly guest: Guest; readonly at: string }
  | {
      readonly type: 'changed';
      readonly guest: Guest;
      readonly previous: Guest;
      /** The top-level fields of `Guest` that differ (`status`, `node`, `name`...). */
      readonly fields: readonly string[];
      readonly at: string;
    }
  | { readonly type: 'removed'; readonly guestId: string; readonly previous: Guest; readonly at: string };
