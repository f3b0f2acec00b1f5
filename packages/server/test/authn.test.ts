import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { createManualClock, systemClock } from '@hvc/hypervisor-connector-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthFailure } from '../src/authn/auth-failure.js';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { readBearerToken } from '../src/authn/bearer-token.js';
import { startDevIssuer } from '../src/authn/dev-issuer.js';
import { createIamContext } from '../src/authn/iam-context.js';
import { createOidcVerifier } from '../src/authn/oidc-verifier.js';
import { createServiceTokenVerifier } from '../src/authn/service-token-verifier.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { generateServiceToken } from '../src/storage/service-token-store.js';
import { rawJws, startTestIssuer, type TestIssuer } from './support/test-issuer.js';

let idp: TestIssuer;
let store: HvcStore;
const dir = mkdtempSync(join(tmpdir(), 'hvc-authn-'));

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthFailure) return error.reason;
    throw error;
  }
  return 'accepted';
}

beforeAll(async () => {
  idp = await startTestIssuer();
  store = await openSqliteStore(join(dir, 'db.sqlite'), createCredentialCipher(randomBytes(32)));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
});
afterAll(async () => {
  await idp.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bearer token extraction', () => {
  const headers = (...values: string[]) => values.flatMap((v) => ['Authorization', v]);

  it('reads one Bearer token, case-insensitively', () => {
    expect(readBearerToken(headers('Bearer abc.def.ghi'))).toBe('abc.def.ghi');
    expect(readBearerToken(['authorization', 'bearer xyz'])).toBe('xyz');
  });

  it.each([
    [[], 'missing_token', 401],
    [headers('Bearer a', 'Bearer b'), 'duplicate_header', 400],
    [headers('Basic dXNlcjpwdw=='), 'malformed_header', 401],
    [headers('Bearer '), 'malformed_header', 401],
    [headers('Bearer a b'), 'malformed_header', 401],
    [headers('Bearer a,'), 'malformed_header', 401],
    [headers(`Bearer ${'a'.repeat(8193)}`), 'token_too_long', 401],
  ])('refuses header set %# as %s', (raw, why, status) => {
    const failure = (() => {
      try {
        readBearerToken(raw as string[]);
      } catch (error) {
        return error as AuthFailure;
      }
    })();
    expect(failure).toBeInstanceOf(AuthFailure);
    expect(failure?.reason).toBe(why);
    expect(failure?.status).toBe(status);
    expect(failure?.challenge).toBe(
      why === 'missing_token'
        ? 'Bearer realm="hvc"'
        : status === 400
          ? 'Bearer realm="hvc", error="invalid_request"'
          : 'Bearer realm="hvc", error="invalid_token"',
    );
  });
});

describe('OIDC access tokens', () => {
  let clock = Date.now();
  const verifier = () =>
    createOidcVerifier(
      {
        issuer: idp.issuer,
        audience: idp.audience,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        requiredClaims: ['client_id', 'jti'],
        jwksMaxStalenessMs: 60 * 60_000,
      },
      { ...systemClock, now: () => clock },
    );
  let oidc: ReturnType<typeof verifier>;
  let auth: ReturnType<typeof createAuthenticator>;

  beforeAll(async () => {
    oidc = verifier();
    auth = createAuthenticator({ issuers: [oidc] });
    await auth.start();
  });
  afterAll(() => auth.close());

  it('accepts a good token and names the identity by issuer and subject', async () => {
    const identity = await auth.verify(await idp.mint());
    expect(identity).toMatchObject({ kind: 'oidc', issuer: idp.issuer, subject: 'alice' });
    expect(auth.issuerStates()).toEqual([expect.objectContaining({ issuer: idp.issuer, ready: true })]);
  });

  it('accepts an audience list containing ours and the application/ typ spelling', async () => {
    expect(await reason(auth.verify(await idp.mint({ aud: ['other', idp.audience] })))).toBe('accepted');
    expect(await reason(auth.verify(await idp.mint({}, { typ: 'application/at+jwt' })))).toBe('accepted');
    expect(await reason(auth.verify(await idp.mint({}, { expIn: -20 })))).toBe('accepted');
  });

  it('refuses junk before decoding, with no key fetch', async () => {
    const before = idp.jwksFetches;
    for (const token of ['junk', 'a.b', 'a.b.c.d', 'eyJ.eyJ.!!', '{"payload":"x"}']) {
      expect(await reason(auth.verify(token))).toBe('malformed_token');
    }
    const foreign = (await idp.mint()).split('.');
    const otherIss = rawJws(
      { alg: 'ES256', kid: 'es-1' },
      { iss: 'https://evil.example', sub: 'x' },
      foreign[2],
    );
    expect(await reason(auth.verify(otherIss))).toBe('unknown_issuer');
    expect(await reason(auth.verify(await idp.mint({ iss: `${idp.issuer}/` })))).toBe('unknown_issuer');
    expect(idp.jwksFetches).toBe(before);
  });

  it('refuses unsigned, key-confused, wrong-algorithm and tampered tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: idp.issuer,
      aud: idp.audience,
      sub: 'alice',
      iat: now,
      exp: now + 60,
      client_id: 'c',
      jti: 'j',
    };
    expect(await reason(auth.verify(rawJws({ alg: 'none', typ: 'at+jwt' }, claims, 'x')))).toBe(
      'invalid_token',
    );
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'es-1' })).toString(
      'base64url',
    );
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const jwksKey = JSON.stringify({ kty: 'EC' });
    const mac = createHmac('sha256', jwksKey).update(`${header}.${body}`).digest('base64url');
    expect(await reason(auth.verify(`${header}.${body}.${mac}`))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({}, { alg: 'RS256' })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({}, { attacker: true })))).toBe('invalid_token');
    const [h, p, s] = (await idp.mint()).split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
    expect(await reason(auth.verify(`${h}.${forged}.${s}`))).toBe('invalid_token');
    expect(p).toBeTruthy();
  });

  it('refuses bad claims', async () => {
    expect(await reason(auth.verify(await idp.mint({}, { expIn: -31 * 60 })))).toBe('expired');
    expect(await reason(auth.verify(await idp.mint({}, { expIn: null })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({}, { iatIn: 600 })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({}, { iatIn: -13 * 3600, expIn: 60 })))).toBe('expired');
    expect(await reason(auth.verify(await idp.mint({ exp: 'soon' })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({ aud: 'urn:other' })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({ aud: undefined })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({}, { typ: 'JWT' })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({}, { typ: null })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({ sub: undefined })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({ sub: '' })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({ sub: 42 })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({ client_id: undefined })))).toBe('invalid_token');
    expect(await reason(auth.verify(await idp.mint({ scope: ['a'] })))).toBe('invalid_token');
  });

  it('refuses an unknown kid and never puts the token in the error', async () => {
    const token = await idp.mint({}, { kid: 'rotated-away' });
    const error = await auth.verify(token).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(AuthFailure);
    expect((error as AuthFailure).reason).toBe('unknown_key');
    expect(
      JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack }),
    ).not.toContain(token.split('.')[2]);
  });

  it('reuses the check of a token at most until its expiry, then refuses it', async () => {
    clock = Date.now();
    try {
      const token = await idp.mint({}, { expIn: 20 });
      expect(await reason(auth.verify(token))).toBe('accepted');
      expect(await reason(auth.verify(token))).toBe('accepted');
      // Past exp and the 30 s tolerance, inside the one-minute reuse window: checked again, and refused.
      clock += 55_000;
      expect(await reason(auth.verify(token))).toBe('expired');
    } finally {
      clock = Date.now();
    }
  });

  it('keeps working on cached keys while the IdP is down, until the staleness ceiling', async () => {
    idp.down = true;
    try {
      const before = idp.jwksFetches;
      for (let i = 0; i < 5; i++) expect(await reason(auth.verify(await idp.mint()))).toBe('accepted');
      expect(idp.jwksFetches).toBe(before);
      clock += 61 * 60_000;
      expect(await reason(auth.verify(await idp.mint()))).toBe('jwks_stale');
      expect(auth.issuerStates()[0]?.ready).toBe(false);
    } finally {
      idp.down = false;
      clock = Date.now();
    }
  });

  it('refreshes its keys every jwksRefreshIntervalMs after a start that loaded them, with no startup retry', async () => {
    const manual = createManualClock(Date.now());
    const refreshMs = 60 * 60_000;
    const steady = createOidcVerifier(
      { issuer: idp.issuer, audience: idp.audience, algorithms: ['ES256'], jwksRefreshIntervalMs: refreshMs },
      manual,
    );
    try {
      await steady.start();
      const loadedAt = steady.keyState().lastRefreshAt;
      // The 10 s retry is for an issuer that could not start: this one waits for its interval.
      expect(manual.pendingTimers()).toBe(1);
      await manual.advance(10_000);
      expect(manual.pendingTimers()).toBe(1);
      expect(steady.keyState().lastRefreshAt).toBe(loadedAt);
      const before = idp.jwksFetches;
      await manual.advance(refreshMs - 10_000);
      await vi.waitFor(() => expect(steady.keyState().lastRefreshAt).toBe(loadedAt! + refreshMs));
      expect(idp.jwksFetches).toBe(before + 1);
      await vi.waitFor(() => expect(manual.pendingTimers()).toBe(1));
    } finally {
      steady.close();
    }
    expect(manual.pendingTimers()).toBe(0);
  });

  it('refuses to start when discovery names another issuer, and stays not ready', async () => {
    idp.discoveryIssuer = 'https://impostor.example';
    const lone = verifier();
    try {
      await expect(lone.start()).rejects.toThrow(/names another issuer/);
      expect(await reason(lone.verify(await idp.mint()))).toBe('issuer_not_ready');
      expect(lone.keyState().ready).toBe(false);
    } finally {
      idp.discoveryIssuer = undefined;
      lone.close();
    }
  });

  it('recovers by itself when an issuer that was down at start comes back', async () => {
    idp.down = true;
    const late = createOidcVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: ['ES256'],
      jwksRefreshIntervalMs: 20,
    });
    try {
      await expect(late.start()).rejects.toThrow();
      expect(await reason(late.verify(await idp.mint()))).toBe('issuer_not_ready');
      idp.down = false;
      for (let i = 0; i < 200 && !late.keyState().ready; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await reason(late.verify(await idp.mint()))).toBe('accepted');
    } finally {
      idp.down = false;
      late.close();
    }
  });

  it('refuses symmetric algorithms and plain-http issuers off loopback in the configuration', () => {
    expect(() => createOidcVerifier({ issuer: idp.issuer, audience: 'a', algorithms: ['HS256'] })).toThrow(
      /HS256/,
    );
    expect(() =>
      createOidcVerifier({ issuer: 'http://idp.example', audience: 'a', algorithms: ['ES256'] }),
    ).toThrow(/https/);
  });
});

describe('service tokens', () => {
  it('accept the exact token only, scoped to its organisation and role', async () => {
    const token = generateServiceToken();
    await store.serviceTokens.put({ id: 'ci', organizationId: 'acme', role: 'operator', token });
    const auth = createAuthenticator({
      issuers: [],
      serviceTokens: createServiceTokenVerifier(store.serviceTokens),
    });
    expect(await auth.verify(token)).toEqual({
      kind: 'service',
      tokenId: 'ci',
      organizationId: 'acme',
      role: 'operator',
    });
    const sameLength = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const wrong of [sameLength, token.slice(0, -3), `${token}x`, 'hvc_svc_']) {
      expect(await reason(auth.verify(wrong))).toBe('invalid_service_token');
    }
    await store.serviceTokens.setDisabled('ci', true);
    expect(await reason(auth.verify(token))).toBe('invalid_service_token');
  });
});

describe('dev issuer', () => {
  it('refuses production and non-loopback addresses', async () => {
    await expect(startDevIssuer({ audience: 'a', env: { NODE_ENV: 'production' } })).rejects.toThrow(
      /production/,
    );
    await expect(startDevIssuer({ audience: 'a', host: '0.0.0.0', env: {} })).rejects.toThrow(/non-loopback/);
  });

  it('mints tokens that pass the normal OIDC path', async () => {
    const dev = await startDevIssuer({ audience: 'urn:hvc:api', env: {} });
    const oidc = createOidcVerifier({
      issuer: dev.issuer,
      audience: dev.audience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    try {
      await oidc.start();
      const identity = await oidc.verify(await dev.mint('bob'));
      expect(identity).toMatchObject({ kind: 'oidc', subject: 'bob', claims: { dev: true } });
    } finally {
      oidc.close();
      await dev.close();
    }
  });
});

describe('IAM context', () => {
  it('verifies lazily once, and reads the user row on each new request', async () => {
    let verifications = 0;
    const verifier = {
      async verify() {
        verifications++;
        return { kind: 'oidc' as const, issuer: 'https://idp', subject: 'carol', claims: {} };
      },
    };
    const denied = createIamContext('t', verifier, store.members);
    expect(verifications).toBe(0);
    await expect(denied.user()).rejects.toSatisfy((e) => isHypervisorError(e, 'PERMISSION_DENIED'));
    await denied.identity();
    expect(verifications).toBe(1);

    const carol = await store.members.addMember({
      organizationId: 'acme',
      issuer: 'https://idp',
      subject: 'carol',
      role: 'viewer',
    });
    expect(await createIamContext('t', verifier, store.members).user()).toMatchObject({
      kind: 'user',
      id: carol.user.id,
    });
    await store.members.setDisabled('acme', carol.user.id, true);
    await expect(createIamContext('t', verifier, store.members).user()).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'PERMISSION_DENIED'),
    );
  });
});
