import { z } from 'zod';
import type { ServerInfo } from '../http/server-info-endpoint.js';

/**
 * The `login` section of the configuration: which OIDC client `hvc login` (and any native client) should use. The
 * server publishes it at `/.well-known/hvc`; it is public (a native client has no secret).
 */
export const LoginConfigSchema = z.strictObject({
  /** The public client id registered at the issuer for the device grant and PKCE with a loopback redirect. */
  clientId: z.string().min(1),
  /** One of `oidc.issuers`; the first one when unset. */
  issuer: z.string().url().optional(),
  /** The audience to ask tokens for; the issuer's (first) audience when unset. */
  audience: z.string().min(1).optional(),
  scope: z.string().min(1).default('openid offline_access'),
});

/** The `login` section, validated. */
export type LoginConfig = z.output<typeof LoginConfigSchema>;

/** The API version clients are told about. */
const API_VERSION = 'hvc.v1';

/**
 * The discovery document for a configuration: the login section resolved against the trusted issuers. Throws when
 * the login names an issuer the server does not trust (its tokens would be refused), or there is none.
 */
export function serverInfoOf(
  login: LoginConfig | undefined,
  issuers: ReadonlyArray<{ readonly issuer: string; readonly audience: string | readonly string[] }>,
): ServerInfo {
  if (login === undefined) return { apiVersion: API_VERSION };
  const issuer = login.issuer === undefined ? issuers[0] : issuers.find((i) => i.issuer === login.issuer);
  if (issuer === undefined) {
    throw new Error(
      login.issuer === undefined
        ? 'login.clientId (HVC_LOGIN_CLIENT_ID) needs a trusted OIDC issuer (HVC_OIDC_ISSUER)'
        : 'login.issuer (HVC_LOGIN_ISSUER) is not one of the trusted OIDC issuers (oidc.issuers)',
    );
  }
  const audience =
    login.audience ?? (typeof issuer.audience === 'string' ? issuer.audience : issuer.audience[0]!);
  return {
    apiVersion: API_VERSION,
    login: { issuer: issuer.issuer, clientId: login.clientId, audience, scope: login.scope },
  };
}
