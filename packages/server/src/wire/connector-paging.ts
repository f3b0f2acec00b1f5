import {
  bindPageToken,
  type PageTokenMac,
  type PageTokenScope,
  unbindPageToken,
} from './bound-page-token.js';
import { compact } from './compact.js';

/** The paging fields of a list request. */
export interface PagedRequest {
  readonly pageSize: number;
  readonly pageToken: string;
}

/**
 * The paging of one list of one target as the API hands it to the connector and back: the request's `page_size`
 * (0 is the connector's default) and its `page_token` unbound from the organisation, target and list (INVALID_ARGUMENT
 * `page_token` for a token issued for another), and the connector's `nextPageToken` bound to them again.
 */
export interface ConnectorPaging {
  /** The connector's paging fields of `req`, without absent ones. */
  request(req: PagedRequest): { pageSize?: number; pageToken?: string };
  /** The API's `next_page_token` of the connector's; empty on the last page. */
  next(inner: string | undefined): string;
}

/** The paging of `list` of the target the caller reached (`access`), with tokens MACed under `mac`. */
export function connectorPaging(
  mac: PageTokenMac,
  access: { readonly organizationId: string; readonly targetId: string },
  list: string,
): ConnectorPaging {
  const scope: PageTokenScope = { organizationId: access.organizationId, targetId: access.targetId, list };
  return {
    request: (req) =>
      compact({
        pageSize: req.pageSize === 0 ? undefined : req.pageSize,
        pageToken: unbindPageToken(mac, scope, req.pageToken),
      }),
    next: (inner) => bindPageToken(mac, scope, inner),
  };
}
