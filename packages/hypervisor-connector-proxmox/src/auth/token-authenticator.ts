import type { Authenticator } from './authenticator.js';

/** API token auth: one stateless header, no CSRF, nothing to renew. */
export function createTokenAuthenticator(tokenId: string, secret: string): Authenticator {
  const headers = Object.freeze({ authorization: `PVEAPIToken=${tokenId}=${secret}` });
  return {
    kind: 'token',
    headers: async () => headers,
    unauthorized: () => false,
    close: () => undefined,
  };
}
