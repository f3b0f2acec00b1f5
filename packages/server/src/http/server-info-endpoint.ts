import type { NodeRequest, NodeResponse } from './node-http.js';

/** The path of the discovery document: public, like an OIDC issuer's `/.well-known/openid-configuration`. */
export const SERVER_INFO_PATH = '/.well-known/hvc';

/** How a command-line or desktop client logs a person in to this server (OAuth 2.0 for native apps). */
export interface LoginInfo {
  /** The OIDC issuer the client logs in at; one of the issuers the server trusts. */
  readonly issuer: string;
  /** The public client id registered at that issuer for native clients (no secret; PKCE and the device grant). */
  readonly clientId: string;
  /** The audience (RFC 8707 resource) that access tokens for this API must carry. */
  readonly audience: string;
  /** The scopes to ask for, space separated (e.g. `openid offline_access` for a refresh token). */
  readonly scope: string;
}

/** What `GET /.well-known/hvc` answers, with no token: enough for a client to find where to log in. */
export interface ServerInfo {
  /** The API's protobuf package, e.g. `hvc.v1`. */
  readonly apiVersion: string;
  /** Absent when the server offers no interactive login (service tokens only, or the demo's dev issuer). */
  readonly login?: LoginInfo;
}

/**
 * Answers `GET /.well-known/hvc` with the server's {@link ServerInfo} (no token needed, nothing secret in it) and
 * returns false for any other request, like the ops endpoints.
 */
export function createServerInfoEndpoint(info: ServerInfo): (req: NodeRequest, res: NodeResponse) => boolean {
  const body = JSON.stringify(info);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if ((req.url ?? '/').split('?', 1)[0] !== SERVER_INFO_PATH) return false;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else res.end(body);
    return true;
  };
}
