import * as oidc from 'openid-client';
import { issuerClient } from './issuer-client.js';
import type { StoredLogin } from './stored-login.js';

/** What logging out did at the issuer. */
export type Revocation = 'revoked' | 'unsupported' | 'not-applicable' | { readonly failed: string };

/**
 * Revokes a login at its issuer (RFC 7009): its refresh token, which ends the grant, or without one its access
 * token. (A JWT access token stays valid until it expires at most issuers: they keep no record of it to revoke.)
 * `unsupported` when the issuer has no revocation endpoint, `not-applicable` for a token given with `--with-token`.
 */
export async function revokeLogin(login: StoredLogin): Promise<Revocation> {
  if (login.issuer === undefined || login.clientId === undefined) return 'not-applicable';
  try {
    const config = await issuerClient(login.issuer, login.clientId);
    if (config.serverMetadata().revocation_endpoint === undefined) return 'unsupported';
    if (login.refreshToken !== undefined)
      await oidc.tokenRevocation(config, login.refreshToken, { token_type_hint: 'refresh_token' });
    else await oidc.tokenRevocation(config, login.accessToken, { token_type_hint: 'access_token' });
    return 'revoked';
  } catch (error) {
    return { failed: (error as Error).message };
  }
}
