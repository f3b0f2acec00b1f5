import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** The audience of the API's access tokens, as the server is configured with. */
export const AUDIENCE = 'urn:hvc:cli-test';
/** The public native client `hvc login` uses. */
export const CLIENT_ID = 'hvc-cli';

/** A real OIDC issuer on loopback: node `oidc-provider` with the device flow, PKCE, refresh and revocation. */
export interface TestIssuer {
  readonly issuer: string;
  close(): Promise<void>;
}

/**
 * Starts `oidc-provider` on 127.0.0.1 with one public native client (`hvc-cli`: device code, authorization code
 * with PKCE and a loopback redirect on any port, refresh tokens), JWT access tokens (`at+jwt`, ES256) for
 * {@link AUDIENCE}, token revocation, and its development login pages (any user name, any password) — the pages a
 * person would use in a browser.
 */
export async function startTestIssuer(options: { revocation?: boolean } = {}): Promise<TestIssuer> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
  // The issuer URL must be known before the provider is built: listen first.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    scopes: ['openid', 'offline_access', 'hvc'],
    features: {
      deviceFlow: { enabled: true },
      revocation: { enabled: options.revocation ?? true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'hvc',
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 600,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      DeviceCode: 600,
      RefreshToken: 3600,
      Grant: 3600,
      Session: 3600,
      IdToken: 600,
      Interaction: 600,
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
