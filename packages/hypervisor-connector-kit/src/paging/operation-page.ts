import type { Operation, OperationQuery, Page } from '@hvc/hypervisor-connector';
import { pageOf } from './in-memory-pager.js';

/** Past any millisecond time `Date` can hold (8.64e15) and still a safe integer, so keys have one width. */
const TIME_CEILING = 9_000_000_000_000_000;
const TIME_WIDTH = String(TIME_CEILING).length;

/**
 * The key operations are paged by, newest first: the start time counted down from a ceiling (so a later start sorts
 * first by code unit), then the id, which breaks ties and makes keys unique.
 */
export function operationPageKey(operation: Pick<Operation, 'id' | 'startedAt'>): string {
  const startedMs = Date.parse(operation.startedAt);
  const countdown = TIME_CEILING - (Number.isFinite(startedMs) ? Math.max(0, startedMs) : 0);
  return `${String(countdown).padStart(TIME_WIDTH, '0')}\u0000${operation.id}`;
}

/** Whether `operation` matches every present field of `query`. */
export function operationMatches(operation: Operation, query: OperationQuery): boolean {
  return (
    (query.guestId === undefined || operation.guestId === query.guestId) &&
    (query.type === undefined || operation.type === query.type) &&
    (query.status === undefined || operation.status === query.status) &&
    (query.since === undefined || Date.parse(operation.startedAt) >= Date.parse(query.since))
  );
}

/**
 * One page of `listOperations` from every operation a connector knows: filtered by `query`, newest first, with the
 * kit's keyset token (see {@link pageOf}), so operations that start between two pages do not shift the later ones.
 */
export function operationPageOf(operations: readonly Operation[], query: OperationQuery): Page<Operation> {
  return pageOf(
    'operations',
    operations.filter((operation) => operationMatches(operation, query)),
    query,
    operationPageKey,
  );
}
