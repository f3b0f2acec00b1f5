import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openPostgresStore, openSqliteStore } from '../src/storage/hvc-store.js';
import type { IdempotencyClaim } from '../src/storage/idempotency-store.js';
import { usePostgres } from './support/postgres-server.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function claim(overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
  return {
    organizationId: 'acme',
    key: 'k-1',
    method: 'hvc.v1.GuestService/CreateGuest',
    requestHmac: 'aa',
    owner: 'owner-1',
    now: T0,
    leaseMs: 30_000,
    ttlMs: 86_400_000,
    ...overrides,
  };
}

const cipher = createCredentialCipher(randomBytes(32));
// Started by this file; the PostgreSQL tests fail (never skip) when it cannot start.
const postgres = usePostgres();
const dialects = [
  { dialect: 'sqlite', open: () => openSqliteStore(':memory:', cipher) },
  {
    dialect: 'postgres',
    open: async () => openPostgresStore(await postgres().createDatabase('hvc_idempotency'), cipher),
  },
] as const;

describe.each(dialects)('idempotency keys in $dialect', ({ open }) => {
  let store: HvcStore | undefined;
  let keys: HvcStore['idempotency'];

  // Opened by the first test's hook, so that a database that cannot start fails the tests.
  beforeEach(async () => {
    if (!store) {
      store = await open();
      await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
      await store.members.createOrganization({ id: 'globex', displayName: 'Globex' });
    }
    keys = store.idempotency;
    await sql`delete from idempotency_keys`.execute(store.db);
  });
  afterAll(() => store?.close());

  it('lets one claim win per organisation and key; another organisation has its own', async () => {
    expect(await keys.claim(claim())).toBe(true);
    expect(await keys.claim(claim({ owner: 'owner-2' }))).toBe(false);
    expect(await keys.claim(claim({ organizationId: 'globex', owner: 'owner-3' }))).toBe(true);
    expect(await keys.get('acme', 'k-1')).toMatchObject({
      state: 'running',
      leaseOwner: 'owner-1',
      requestHmac: 'aa',
      expiresAt: at(86_400_000).toISOString(),
    });
  });

  it('records the answer of the owner only, and replays nothing for a released key', async () => {
    await keys.claim(claim());
    await keys.complete('acme', 'k-1', 'someone-else', '{"x":1}');
    expect((await keys.get('acme', 'k-1'))?.state).toBe('running');
    await keys.complete('acme', 'k-1', 'owner-1', '{"x":1}', 'op-1');
    expect(await keys.get('acme', 'k-1')).toMatchObject({
      state: 'completed',
      response: '{"x":1}',
      operationId: 'op-1',
      leaseOwner: null,
    });
    await keys.claim(claim({ key: 'k-2' }));
    await keys.release('acme', 'k-2', 'owner-1');
    expect(await keys.get('acme', 'k-2')).toBeUndefined();
  });

  it('treats an expired key as new and purges expired rows', async () => {
    await keys.claim(claim());
    await keys.complete('acme', 'k-1', 'owner-1', '{}');
    const later = at(86_400_001);
    expect(await keys.claim(claim({ owner: 'owner-2', requestHmac: 'bb', now: later }))).toBe(true);
    expect(await keys.get('acme', 'k-1')).toMatchObject({ state: 'running', requestHmac: 'bb' });
    await keys.claim(claim({ key: 'k-old' }));
    expect(await keys.purgeExpired(later)).toBe(1);
    expect(await keys.get('acme', 'k-old')).toBeUndefined();
    expect(await keys.get('acme', 'k-1')).toBeDefined();
  });

  it('hands a running key over only once its lease ran out, and only for the same request', async () => {
    await keys.claim(claim());
    expect(await keys.takeOver(claim({ owner: 'owner-2', now: at(10_000) }))).toBe(false);
    expect(await keys.renew('acme', 'k-1', 'owner-1', at(40_000))).toBe(true);
    expect(await keys.takeOver(claim({ owner: 'owner-2', now: at(35_000) }))).toBe(false);
    const late = at(40_001);
    expect(await keys.takeOver(claim({ owner: 'owner-2', requestHmac: 'bb', now: late }))).toBe(false);
    expect(await keys.takeOver(claim({ owner: 'owner-2', now: late }))).toBe(true);
    expect(await keys.takeOver(claim({ owner: 'owner-3', now: late }))).toBe(false);
    expect(await keys.renew('acme', 'k-1', 'owner-1', at(90_000))).toBe(false);
    expect((await keys.get('acme', 'k-1'))?.leaseOwner).toBe('owner-2');
  });
});

describe('request fingerprints', () => {
  it('fingerprints requests with a keyed MAC: the same text gives the same MAC, another key another', async () => {
    const store = await openSqliteStore(':memory:', cipher);
    const other = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
    try {
      expect(store.requestMac('a')).toBe(store.requestMac('a'));
      expect(store.requestMac('a')).toMatch(/^[0-9a-f]{64}$/);
      expect(store.requestMac('a')).not.toBe(store.requestMac('b'));
      expect(other.requestMac('a')).not.toBe(store.requestMac('a'));
    } finally {
      await other.close();
      await store.close();
    }
  });
});
