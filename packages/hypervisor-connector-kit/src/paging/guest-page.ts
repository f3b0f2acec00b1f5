import type { Guest, GuestFilter, GuestPageQuery, Page } from '@hvc/hypervisor-connector';
import { pageOf } from './in-memory-pager.js';

/**
 * One page of `listGuestsPage` from a connector's `listGuests`: the whole filtered list, paged here by id with the
 * kit's keyset token (see {@link pageOf}). What a connector whose hypervisor cannot page guests gets for free.
 */
export async function guestPageFromList(
  listGuests: (filter: GuestFilter) => Promise<Guest[]>,
  query: GuestPageQuery,
): Promise<Page<Guest>> {
  const { pageSize: _size, pageToken: _token, ...filter } = query;
  return pageOf('guests', await listGuests(filter), query, (guest) => guest.id);
}
