/** One page of a paged list RPC. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

/** Every item of a paged list, page by page, up to `limit` (0: all). */
export async function allPages<T>(
  limit: number,
  fetch: (pageSize: number, pageToken: string) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let pageToken = '';
  do {
    const page = await fetch(limit === 0 ? 1000 : Math.min(1000, limit - items.length), pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken !== '' && (limit === 0 || items.length < limit));
  return items;
}
