/**
 * One page of a list, in the list's order. `nextPageToken` is absent on the last page; pass it back, with the same
 * query, to get the next one. Items inserted or removed between two pages are neither skipped nor repeated among
 * those that stay.
 */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}
