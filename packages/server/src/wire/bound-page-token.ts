import { timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '@hvc/hypervisor-connector';

/** What a page token is bound to: the organisation, target and list that issued it. */
export interface PageTokenScope {
  readonly organizationId: string;
  readonly targetId: string;
  /** The list, e.g. `storages`. */
  readonly list: string;
}

/** Hex HMAC under the server's key (see `HvcStore.pageTokenMac`). */
export type PageTokenMac = (data: string) => string;

const LONGEST_TOKEN = 4096;

function invalid(): InvalidArgumentError {
  return new InvalidArgumentError('page_token is not a token of this list, target and organisation', {
    violations: [{ field: 'page_token', message: 'not a page token of this query' }],
  });
}

function signed(mac: PageTokenMac, scope: PageTokenScope, inner: string): string {
  return mac(JSON.stringify([scope.organizationId, scope.targetId, scope.list, inner]));
}

/**
 * The API's page token for a connector's `nextPageToken`: the connector's token and a MAC binding it to `scope`, so
 * a token handed out for one organisation's target cannot be replayed on another target, list or organisation.
 * Empty for the last page.
 */
export function bindPageToken(mac: PageTokenMac, scope: PageTokenScope, inner: string | undefined): string {
  if (inner === undefined) return '';
  return `${Buffer.from(inner, 'utf8').toString('base64url')}.${signed(mac, scope, inner)}`;
}

/**
 * The connector's token inside an API page token; undefined for an empty one. INVALID_ARGUMENT (`page_token`) for
 * one this server did not issue for `scope`.
 */
export function unbindPageToken(mac: PageTokenMac, scope: PageTokenScope, token: string): string | undefined {
  if (token === '') return undefined;
  if (token.length > LONGEST_TOKEN) throw invalid();
  const [encoded, tag, ...extra] = token.split('.');
  if (encoded === undefined || tag === undefined || extra.length > 0 || !/^[A-Za-z0-9_-]+$/.test(encoded)) {
    throw invalid();
  }
  const inner = Buffer.from(encoded, 'base64url').toString('utf8');
  const expected = Buffer.from(signed(mac, scope, inner), 'utf8');
  const given = Buffer.from(tag, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  return inner;
}
