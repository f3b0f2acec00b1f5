import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** How a test token is signed and what its header says. */
export interface MintOptions {
  readonly alg?: 'ES256' | 'RS256';
  /** Sign with the attacker's key (same kid) instead of the issuer's. */
  readonly attacker?: boolean;
  readonly kid?: string | null;
  readonly typ?: string | null;
  /** Seconds from now; null leaves the claim out. */
  readonly expIn?: number | null;
  readonly iatIn?: number | null;
}

/** A jose-based OIDC issuer on loopback HTTP for the negative tests: it mints any token and counts JWKS fetches. */
export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  jwksFetches: number;
  /** When true, discovery and JWKS answer 503. */
  down: boolean;
  /** The issuer named in the discovery document (defaults to the real one). */
  discoveryIssuer?: string;
  mint(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(audience = 'urn:hvc:test'): Promise<TestIssuer> {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const attacker = await generateKeyPair('ES256', { extractable: true });
  const keys: JWK[] = [
    { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
  ];
  const state = { issuer: '', jwksFetches: 0, down: false, discoveryIssuer: undefined as string | undefined };
  const server = createServer((req, res) => {
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ issuer: state.discoveryIssuer ?? state.issuer, jwks_uri: `${state.issuer}/jwks` }),
      );
      return;
    }
    if (req.url === '/jwks') {
      state.jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(state, {
    audience,
    get issuer() {
      return state.issuer;
    },
    async mint(claims: Record<string, unknown> = {}, options: MintOptions = {}) {
      const alg = options.alg ?? 'ES256';
      const key: CryptoKey = options.attacker
        ? attacker.privateKey
        : alg === 'ES256'
          ? es.privateKey
          : rs.privateKey;
      const kid = options.kid === undefined ? (alg === 'ES256' ? 'es-1' : 'rs-1') : options.kid;
      const typ = options.typ === undefined ? 'at+jwt' : options.typ;
      const now = Math.floor(Date.now() / 1000);
      const body: Record<string, unknown> = {
        iss: state.issuer,
        aud: audience,
        sub: 'alice',
        client_id: 'cli',
        jti: String(Math.random()),
        ...(options.iatIn === null ? {} : { iat: now + (options.iatIn ?? 0) }),
        ...(options.expIn === null ? {} : { exp: now + (options.expIn ?? 300) }),
        ...claims,
      };
      return new SignJWT(body)
        .setProtectedHeader({ alg, ...(kid === null ? {} : { kid }), ...(typ === null ? {} : { typ }) })
        .sign(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  }) as TestIssuer;
}

/** A compact JWS assembled by hand, for tokens jose refuses to sign (`alg: none`, HMAC key confusion). */
export function rawJws(header: object, payload: object, signature = ''): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}
