import { type Image, InvalidArgumentError, type Page, type PageRequest } from '@hvc/hypervisor-connector';
import { canonicalJson, stableHash } from '../hash/stable-hash.js';

/** What a page token carries: the last id handed out and the query it belongs to. */
interface PageCursor {
  /** The id of the last item of the previous page; the next page starts after it. */
  readonly after: string;
  /** The hash of the query (and list) the token was made for. */
  readonly query: string;
}

/** Compares ids by code unit (byte order for ASCII ids), the order every paged list of the contract uses. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The key images are paged by: the id, then the node, since one volume id (`local:iso/x.iso`) names a file on each
 * node's own local storage.
 */
export function imagePageKey(image: Image): string {
  return image.node === undefined ? image.id : `${image.id}\u0000${image.node}`;
}

/**
 * One page of `items` for `query`, in id order, with a keyset token: the token holds the last id handed out (not a
 * position), so items added or removed between two pages are neither skipped nor repeated among those that stay.
 * The token is bound to `list` and to the query without its paging fields (a caller may change `pageSize`
 * between pages): a token of another query or another list, or one that was not made here, is INVALID_ARGUMENT
 * naming `pageToken`. `items` is the whole filtered list, in any order; ids must be unique.
 *
 * For connectors whose hypervisor cannot page: they list everything, filter, and page here.
 */
export function pageOf<T>(
  list: string,
  items: readonly T[],
  query: PageRequest,
  idOf: (item: T) => string,
): Page<T> {
  const { pageSize, pageToken, ...filter } = query;
  const queryHash = stableHash(canonicalJson([list, filter]));
  const after = pageToken === undefined ? undefined : readToken(pageToken, queryHash);
  const sorted = [...items].sort((a, b) => compareIds(idOf(a), idOf(b)));
  const rest = after === undefined ? sorted : sorted.filter((item) => compareIds(idOf(item), after) > 0);
  const page = rest.slice(0, pageSize);
  if (rest.length <= pageSize) return { items: page };
  return {
    items: page,
    nextPageToken: writeToken({ after: idOf(page[page.length - 1]!), query: queryHash }),
  };
}

function writeToken(cursor: PageCursor): string {
  return base64url(JSON.stringify([1, cursor.query, cursor.after]));
}

function readToken(token: string, queryHash: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(fromBase64url(token));
  } catch {
    throw badToken('not a page token of this list');
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 3 ||
    decoded[0] !== 1 ||
    typeof decoded[1] !== 'string' ||
    typeof decoded[2] !== 'string'
  ) {
    throw badToken('not a page token of this list');
  }
  if (decoded[1] !== queryHash) throw badToken('the page token belongs to another query');
  return decoded[2];
}

function badToken(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid page request: pageToken: ${message}`, {
    violations: [{ field: 'pageToken', message }],
  });
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(token: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
  const binary = atob(token.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
