import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import type { IdempotencyClaim } from '../src/storage/idempotency-store.js';

let store: HvcStore;
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

beforeEach(async () => {
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
  await store.members.createOrganization({ id: 'globex', displayName: 'Globex' });
});
afterEach(() => store.close());

describe('idempotency keys in the database', () => {
  it('lets one claim win per organisation and key; another organisation has its own', async () => {
    expect(await store.idempotency.claim(claim())).toBe(true);
    expect(await store.idempotency.claim(claim({ owner: 'owner-2' }))).toBe(false);
    expect(await store.idempotency.claim(claim({ organizationId: 'globex', owner: 'owner-3' }))).toBe(true);
    expect(await store.idempotency.get('acme', 'k-1')).toMatchObject({
      state: 'running',
      leaseOwner: 'owner-1',
      requestHmac: 'aa',
      expiresAt: at(86_400_000).toISOString(),
    });
  });

  it('records the answer of the owner only, and replays nothing for a released key', async () => {
    await store.idempotency.claim(claim());
    await store.idempotency.complete('acme', 'k-1', 'someone-else', '{"x":1}');
    expect((await store.idempotency.get('acme', 'k-1'))?.state).toBe('running');
    await store.idempotency.complete('acme', 'k-1', 'owner-1', '{"x":1}', 'op-1');
    expect(await store.idempotency.get('acme', 'k-1')).toMatchObject({
      state: 'completed',
      response: '{"x":1}',
      operationId: 'op-1',
      leaseOwner: null,
    });
    await store.idempotency.claim(claim({ key: 'k-2' }));
    await store.idempotency.release('acme', 'k-2', 'owner-1');
    expect(await store.idempotency.get('acme', 'k-2')).toBeUndefined();
  });

  it('treats an expired key as new and purges expired rows', async () => {
    await store.idempotency.claim(claim());
    await store.idempotency.complete('acme', 'k-1', 'owner-1', '{}');
    const later = at(86_400_001);
    expect(await store.idempotency.claim(claim({ owner: 'owner-2', requestHmac: 'bb', now: later }))).toBe(
      true,
    );
    expect(await store.idempotency.get('acme', 'k-1')).toMatchObject({ state: 'running', requestHmac: 'bb' });
    await store.idempotency.claim(claim({ key: 'k-old' }));
    expect(await store.idempotency.purgeExpired(later)).toBe(1);
    expect(await store.idempotency.get('acme', 'k-old')).toBeUndefined();
    expect(await store.idempotency.get('acme', 'k-1')).toBeDefined();
  });

  it('hands a running key over only once its lease ran out, and only for the same request', async () => {
    await store.idempotency.claim(claim());
    expect(await store.idempotency.takeOver(claim({ owner: 'owner-2', now: at(10_000) }))).toBe(false);
    expect(await store.idempotency.renew('acme', 'k-1', 'owner-1', at(40_000))).toBe(true);
    expect(await store.idempotency.takeOver(claim({ owner: 'owner-2', now: at(35_000) }))).toBe(false);
    const late = at(40_001);
    expect(await store.idempotency.takeOver(claim({ owner: 'owner-2', requestHmac: 'bb', now: late }))).toBe(
      false,
    );
    expect(await store.idempotency.takeOver(claim({ owner: 'owner-2', now: late }))).toBe(true);
    expect(await store.idempotency.takeOver(claim({ owner: 'owner-3', now: late }))).toBe(false);
    expect(await store.idempotency.renew('acme', 'k-1', 'owner-1', at(90_000))).toBe(false);
    expect((await store.idempotency.get('acme', 'k-1'))?.leaseOwner).toBe('owner-2');
  });

  it('fingerprints requests with a keyed MAC: the same text gives the same MAC, another key another', async () => {
    const other = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
    try {
      expect(store.requestMac('a')).toBe(store.requestMac('a'));
      expect(store.requestMac('a')).toMatch(/^[0-9a-f]{64}$/);
      expect(store.requestMac('a')).not.toBe(store.requestMac('b'));
      expect(other.requestMac('a')).not.toBe(store.requestMac('a'));
    } finally {
      await other.close();
    }
  });
});
