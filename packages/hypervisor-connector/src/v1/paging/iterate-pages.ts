import type { Page } from '../model/page.js';

/**
 * Every item of a paged list, page after page, until a page comes without `nextPageToken`:
 * `for await (const storage of iteratePages((page) => connector.listStorages({ ...query, ...page }))) ...`.
 * Errors of a page end the iteration by throwing them.
 */
export async function* iteratePages<T>(
  fetchPage: (page: { pageToken?: string }) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let pageToken: string | undefined;
  do {
    const page: Page<T> = await fetchPage(pageToken === undefined ? {} : { pageToken });
    yield* page.items;
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
}
