import type * as oidc from 'openid-client';
import { identityOf } from './issuer-client.js';
import type { LoginInfo } from './server-info.js';
import type { StoredLogin } from './stored-login.js';

/** A token endpoint response as the login to keep for `server`; a refresh without a new refresh token keeps the old one. */
export function storedLoginOf(
  server: string,
  login: Pick<LoginInfo, 'issuer' | 'clientId' | 'audience'>,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  previous?: StoredLogin,
): StoredLogin {
  const expiresIn = tokens.expiresIn();
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
  const identity = tokens.id_token === undefined ? previous : identityOf(tokens);
  return {
    server,
    accessToken: tokens.access_token,
    ...(expiresIn === undefined ? {} : { expiresAt: Date.now() + expiresIn * 1000 }),
    ...(refreshToken === undefined ? {} : { refreshToken }),
    issuer: login.issuer,
    clientId: login.clientId,
    audience: login.audience,
    ...(identity?.subject === undefined ? {} : { subject: identity.subject }),
    ...(identity?.name === undefined ? {} : { name: identity.name }),
  };
}
