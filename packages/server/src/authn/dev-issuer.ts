import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { isLoopbackHost } from './loopback.js';

/** A token issuer for the demo only: keys in memory, served on loopback. */
export interface DevIssuer {
  /** The issuer URL, e.g. `http://127.0.0.1:40123/dev-issuer`. */
  readonly issuer: string;
  /** The audience of the tokens it mints. */
  readonly audience: string;
  /** An access token (`typ: at+jwt`, marked `dev: true`) for `subject`, valid for `ttlSeconds` (at most 1 h). */
  mint(subject: string, options?: { ttlSeconds?: number; email?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Where the dev issuer listens and for which audience it mints. */
export interface DevIssuerOptions {
  /** Loopback only (default 127.0.0.1). */
  readonly host?: string;
  readonly port?: number;
  readonly audience: string;
  /** The environment to check; `NODE_ENV=production` refuses to start. Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts the dev issuer: an OIDC discovery document and a JWKS over plain HTTP on loopback, so the server verifies
 * its tokens through the normal OIDC path. It refuses to start with `NODE_ENV=production` or on a non-loopback
 * address. Restarting it invalidates every token it minted (the key is never written anywhere).
 */
export async function startDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  if (env.NODE_ENV === 'production')
    throw new Error('the dev issuer refuses to start with NODE_ENV=production');
  if (!isLoopbackHost(host)) throw new Error('the dev issuer refuses to listen on a non-loopback address');

  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  let issuer = '';

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
    if (path === '/dev-issuer/.well-known/openid-configuration') {
      return send(200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        id_token_signing_alg_values_supported: ['ES256'],
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
      });
    }
    if (path === '/dev-issuer/jwks') return send(200, { keys: [jwk] });
    return send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}/dev-issuer`;

  return {
    issuer,
    audience: options.audience,
    async mint(subject, mintOptions = {}) {
      const ttl = Math.min(mintOptions.ttlSeconds ?? 3600, 3600);
      return new SignJWT({
        client_id: 'hvc-dev',
        scope: 'hvc',
        dev: true,
        ...(mintOptions.email === undefined ? {} : { email: mintOptions.email }),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer(issuer)
        .setAudience(options.audience)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`)
        .setJti(randomUUID())
        .sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
