import type { Guest, GuestFilter } from '@hvc/hypervisor-connector';

/** The fields of a guest a filter looks at. */
export type FilterableGuest = Pick<Guest, 'type' | 'node' | 'state' | 'pool' | 'name' | 'template' | 'tags'>;

/** Whether `guest` passes every field of a parsed `filter` (templates are included unless `templates: false`). */
export function matchesGuestFilter(guest: FilterableGuest, filter: GuestFilter): boolean {
  return (
    (filter.type === undefined || guest.type === filter.type) &&
    (filter.node === undefined || guest.node === filter.node) &&
    (filter.state === undefined || guest.state === filter.state) &&
    (filter.pool === undefined || guest.pool === filter.pool) &&
    (filter.namePrefix === undefined || guest.name.startsWith(filter.namePrefix)) &&
    (filter.templates !== false || !guest.template) &&
    (filter.tags === undefined || filter.tags.every((tag) => guest.tags.includes(tag)))
  );
}
