import type { GuestFilter as ProtoGuestFilter } from '@hvc/client/v1';
import { type GuestFilter, GuestFilterSchema, parseInput } from '@hvc/hypervisor-connector';
import { compact } from './compact.js';
import { guestStateFromProto, guestTypeFromProto } from './proto-mapping.js';

/** A request's guest filter as the contract's, INVALID_ARGUMENT naming the field when it is bad. */
export function guestFilterFromProto(filter: ProtoGuestFilter | undefined): GuestFilter {
  return parseInput(
    GuestFilterSchema,
    filter
      ? compact({
          type: guestTypeFromProto(filter.type),
          node: filter.node,
          state: guestStateFromProto(filter.state),
          tags: filter.tags,
          namePrefix: filter.namePrefix,
          pool: filter.pool,
          templates: filter.templates,
        })
      : {},
    'filter',
  );
}
