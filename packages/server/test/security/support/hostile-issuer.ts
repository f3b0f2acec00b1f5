import { generateKeyPairSync, KeyObject, sign as nodeSign, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type KeyObject as JoseKeyObject,
  type JWK,
  SignJWT,
} from 'jose';

/** How the issuer's endpoints misbehave. */
export type JwksMode =
  | 'ok'
  | 'down'
  | 'hang'
  | 'redirect'
  | 'html'
  | 'invalid-json'
  | 'private-keys'
  | 'symmetric-keys';

/** How a token is signed and what its header says. */
export interface HostileMint {
  /** Signing key by kid (default the issuer's first key); `attacker` signs with a key the IdP never published. */
  readonly key?: string;
  /** The `alg` header (default the key's). */
  readonly alg?: string;
  /** The `kid` header; null leaves it out (default the key's kid). */
  readonly kid?: string | null;
  /** The `typ` header; null leaves it out (default `at+jwt`). */
  readonly typ?: string | null;
  /** Extra protected header parameters (`crit`, `jku`, `jwk`, ...). */
  readonly header?: Record<string, unknown>;
  /** The clock the standard claims are relative to, epoch ms (default now). */
  readonly at?: number;
}

interface KeyEntry {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey | JoseKeyObject;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
  /** Published in the JWKS. */
  published: boolean;
}

/**
 * A jose-based OIDC issuer on loopback HTTP for the security suite: it mints well-formed and broken tokens, and
 * its discovery and JWKS endpoints can go down, hang, redirect or serve garbage. It counts every fetch.
 */
export interface HostileIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** JWKS fetches so far. */
  readonly jwksFetches: number;
  /** Discovery fetches so far. */
  readonly discoveryFetches: number;
  /** Every request it received. */
  readonly requests: number;
  mode: JwksMode;
  /** The issuer the discovery document names (default the real one). */
  discoveryIssuer: string | undefined;
  /** Every token minted so far (for leak checks). */
  readonly minted: string[];
  /** Adds a key of `alg`; published in the JWKS unless `published` is false. Returns its kid. */
  addKey(
    alg: 'ES256' | 'RS256' | 'ES384',
    options?: { kid?: string; published?: boolean; modulusLength?: number; jwk?: Partial<JWK> },
  ): Promise<string>;
  /** Publishes a key added unpublished (a key rotation at the IdP). */
  publish(kid: string): void;
  /** The public key of `kid` as SPKI PEM and as its JWK JSON (for key-confusion tokens). */
  publicKeyText(kid: string): Promise<{ pem: string; jwk: string }>;
  /** Private key material of every key (for leak checks). */
  privateMaterial(): string[];
  /** A token signed by the first key with any protected header, even one jose refuses to produce (`crit`). */
  signRaw(header: Record<string, unknown>, payload: Record<string, unknown>, kid?: string): string;
  /** A signed token with the usual claims (`iss`, `aud`, `sub` alice, `client_id`, `jti`, `iat`, `exp` +5 min). */
  mint(claims?: Record<string, unknown>, options?: HostileMint): Promise<string>;
  close(): Promise<void>;
}

/** Starts a {@link HostileIssuer} whose first key is `firstAlg` (kid `<prefix>-1`). */
export async function startHostileIssuer(options: {
  readonly audience: string;
  readonly firstAlg?: 'ES256' | 'RS256';
  readonly kidPrefix?: string;
}): Promise<HostileIssuer> {
  const keys = new Map<string, KeyEntry>();
  const minted: string[] = [];
  const counts = { jwks: 0, discovery: 0, requests: 0 };
  const state = { mode: 'ok' as JwksMode, discoveryIssuer: undefined as string | undefined };
  let issuer = '';

  async function addKey(
    alg: 'ES256' | 'RS256' | 'ES384',
    o: { kid?: string; published?: boolean; modulusLength?: number; jwk?: Partial<JWK> } = {},
  ): Promise<string> {
    const kid = o.kid ?? randomUUID();
    if (o.modulusLength !== undefined && o.modulusLength < 2048) {
      // jose refuses to make or use short RSA keys, so this one comes from node:crypto.
      const small = generateKeyPairSync('rsa', { modulusLength: o.modulusLength });
      keys.set(kid, {
        kid,
        alg,
        privateKey: small.privateKey,
        publicJwk: { ...small.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig', ...o.jwk },
        privateJwk: small.privateKey.export({ format: 'jwk' }),
        published: o.published ?? true,
      });
      return kid;
    }
    const pair = await generateKeyPair(alg, {
      extractable: true,
      ...(o.modulusLength ? { modulusLength: o.modulusLength } : {}),
    });
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig', ...o.jwk };
    keys.set(kid, {
      kid,
      alg,
      privateKey: pair.privateKey,
      publicJwk,
      privateJwk: await exportJWK(pair.privateKey),
      published: o.published ?? true,
    });
    return kid;
  }
  const attackerKid = await addKey('ES256', { kid: 'attacker', published: false });
  await addKey(options.firstAlg ?? 'ES256', { kid: `${options.kidPrefix ?? 'k'}-1` });
  const firstKid = `${options.kidPrefix ?? 'k'}-1`;

  const published = () => [...keys.values()].filter((k) => k.published);
  const server = createServer((req, res) => {
    counts.requests++;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const isJwks = path === '/jwks';
    if (isJwks) counts.jwks++;
    if (path === '/.well-known/openid-configuration') counts.discovery++;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (state.mode) {
      case 'down':
        res.writeHead(503).end();
        return;
      case 'hang':
        return;
      case 'redirect':
        res.writeHead(302, { location: `${issuer}/elsewhere` }).end();
        return;
      case 'html':
        if (isJwks) {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>sign in</body></html>');
          return;
        }
        break;
      case 'invalid-json':
        if (isJwks) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [');
          return;
        }
        break;
      case 'private-keys':
        if (isJwks)
          return json(200, {
            keys: published().map((k) => ({ ...k.privateJwk, ...k.publicJwk, d: k.privateJwk.d })),
          });
        break;
      case 'symmetric-keys':
        if (isJwks)
          return json(200, {
            keys: [{ kty: 'oct', kid: firstKid, k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', alg: 'HS256' }],
          });
        break;
      default:
        break;
    }
    if (path === '/.well-known/openid-configuration') {
      return json(200, { issuer: state.discoveryIssuer ?? issuer, jwks_uri: `${issuer}/jwks` });
    }
    if (isJwks) return json(200, { keys: published().map((k) => k.publicJwk) });
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const self: HostileIssuer = {
    get issuer() {
      return issuer;
    },
    audience: options.audience,
    get jwksFetches() {
      return counts.jwks;
    },
    get discoveryFetches() {
      return counts.discovery;
    },
    get requests() {
      return counts.requests;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode: JwksMode) {
      state.mode = mode;
    },
    get discoveryIssuer() {
      return state.discoveryIssuer;
    },
    set discoveryIssuer(value: string | undefined) {
      state.discoveryIssuer = value;
    },
    minted,
    addKey,
    publish(kid) {
      const key = keys.get(kid);
      if (key) key.published = true;
    },
    async publicKeyText(kid) {
      const key = keys.get(kid)!;
      const pub = await importJWK(key.publicJwk, key.alg);
      return { pem: await exportSPKI(pub as CryptoKey), jwk: JSON.stringify(key.publicJwk) };
    },
    privateMaterial: () =>
      [...keys.values()].flatMap((k) =>
        [k.privateJwk.d, k.privateJwk.p, k.privateJwk.q].filter((v): v is string => !!v),
      ),
    signRaw(header, payload, kid = firstKid) {
      const key = keys.get(kid)!;
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const input = `${part({ alg: key.alg, kid: key.kid, ...header })}.${part(payload)}`;
      const signature = nodeSign('sha256', Buffer.from(input), {
        key:
          key.privateKey instanceof KeyObject ? key.privateKey : KeyObject.from(key.privateKey as CryptoKey),
        dsaEncoding: 'ieee-p1363',
      });
      const token = `${input}.${signature.toString('base64url')}`;
      minted.push(token);
      return token;
    },
    async mint(claims = {}, o = {}) {
      const key = keys.get(o.key ?? firstKid) ?? keys.get(attackerKid)!;
      const at = Math.floor((o.at ?? Date.now()) / 1000);
      const body: Record<string, unknown> = {
        iss: issuer,
        aud: options.audience,
        sub: 'alice',
        client_id: 'cli',
        jti: randomUUID(),
        iat: at,
        exp: at + 300,
        ...claims,
      };
      for (const [name, value] of Object.entries(body)) if (value === undefined) delete body[name];
      const kid = o.kid === undefined ? key.kid : o.kid;
      const typ = o.typ === undefined ? 'at+jwt' : o.typ;
      const token = await new SignJWT(body)
        .setProtectedHeader({
          alg: o.alg ?? key.alg,
          ...(kid === null ? {} : { kid }),
          ...(typ === null ? {} : { typ }),
          ...o.header,
        })
        .sign(o.alg && o.alg !== key.alg ? await importJWK(key.privateJwk, o.alg) : key.privateKey);
      minted.push(token);
      return token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return self;
}

/** A compact JWS assembled by hand, for tokens jose refuses to sign (`alg: none`, HMAC key confusion). */
export function handMadeJws(header: object, payload: object, signature = ''): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}
