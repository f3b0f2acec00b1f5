import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedPrincipalReads } from '../src/authn/cached-principal-reads.js';
import type { SubjectRef } from '../src/authz/authorizer.js';
import { cachedAuthorizer } from '../src/authz/cached-authorizer.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { cachedTargetReads } from '../src/storage/cached-target-reads.js';
import { ChangeCounter } from '../src/storage/change-counter.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { ReadCache } from '../src/storage/read-cache.js';

describe('ReadCache', () => {
  function setup(ttlMs = 1_000) {
    let now = 0;
    const changes = new ChangeCounter();
    const cache = new ReadCache<number>({ ttlMs, changes, now: () => now });
    let reads = 0;
    const load = async () => ++reads;
    return { cache, changes, load, advance: (ms: number) => (now += ms), reads: () => reads };
  }

  it('reuses an answer within its TTL and reads again after it', async () => {
    const { cache, load, advance, reads } = setup();
    expect(await cache.get('k', load)).toBe(1);
    advance(999);
    expect(await cache.get('k', load)).toBe(1);
    advance(1);
    expect(await cache.get('k', load)).toBe(2);
    expect(reads()).toBe(2);
  });

  it('reads again after a write through the store, and never reuses across keys', async () => {
    const { cache, changes, load } = setup();
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(2);
    changes.bump();
    expect(await cache.get('a', load)).toBe(3);
  });

  it('does not reuse a read that was under way when a write happened', async () => {
    const { cache, changes } = setup();
    let release!: (value: number) => void;
    const slow = cache.get('k', () => new Promise<number>((resolve) => (release = resolve)));
    changes.bump();
    release(1);
    expect(await slow).toBe(1);
    expect(await cache.get('k', async () => 2)).toBe(2);
  });

  it('shares one read between concurrent asks, keeps no failure, and caches nothing with a TTL of 0', async () => {
    const { cache, load, reads } = setup();
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
    expect(reads()).toBe(1);
    await expect(cache.get('bad', async () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    expect(await cache.get('bad', async () => 7)).toBe(7);
    const off = setup(0);
    await off.cache.get('k', off.load);
    await off.cache.get('k', off.load);
    expect(off.reads()).toBe(2);
  });
});

describe('access answers cached over the store', () => {
  let store: HvcStore;
  const users: Record<string, SubjectRef & { userId: string }> = {};
  const ttl = { ttlMs: 60_000 };

  beforeAll(async () => {
    store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
    for (const org of ['acme', 'globex']) {
      await store.members.createOrganization({ id: org, displayName: org });
      // The same target id in both organisations.
      await store.targets.create({
        id: 'shared',
        organizationId: org,
        displayName: org,
        kind: 'memory',
        config: {},
      });
    }
    for (const [name, org, role] of [
      ['ann', 'acme', 'operator'],
      ['bob', 'acme', 'admin'],
      ['cal', 'acme', 'admin'],
      ['gil', 'globex', 'admin'],
    ] as const) {
      const member = await store.members.addMember({
        organizationId: org,
        issuer: 'https://idp',
        subject: name,
        role,
      });
      users[name] = { type: 'user', id: member.user.id, userId: member.user.id };
    }
  });
  afterAll(() => store.close());

  const target = (organizationId: string) => ({ type: 'target', organizationId, id: 'shared' }) as const;

  it('applies a role change and a removal to the very next check', async () => {
    const authz = cachedAuthorizer(createDatabaseAuthorizer(store.db), { ...ttl, changes: store.changes });
    const ann = users.ann!;
    expect((await authz.check(ann, 'operate', target('acme'))).allowed).toBe(true);
    await store.members.setRole('acme', ann.userId, 'viewer');
    expect(await authz.check(ann, 'operate', target('acme'))).toEqual({
      allowed: false,
      reason: 'insufficient_role',
      organizationId: 'acme',
    });
    expect((await authz.check(ann, 'view', target('acme'))).allowed).toBe(true);
    expect((await authz.listAllowed(ann, 'view', 'organization')).ids).toEqual(['acme']);
    await store.members.removeMember('acme', ann.userId);
    expect(await authz.check(ann, 'view', target('acme'))).toEqual({ allowed: false, reason: 'not_found' });
    expect((await authz.listAllowed(ann, 'view', 'organization')).ids).toEqual([]);
  });

  it("never answers one organisation's check with another's", async () => {
    const authz = cachedAuthorizer(createDatabaseAuthorizer(store.db), { ...ttl, changes: store.changes });
    const bob = users.bob!;
    const gil = users.gil!;
    expect(await authz.check(bob, 'delete', target('acme'))).toEqual({
      allowed: true,
      organizationId: 'acme',
    });
    expect(await authz.check(bob, 'delete', target('globex'))).toEqual({
      allowed: false,
      reason: 'not_found',
    });
    expect(await authz.check(gil, 'delete', target('acme'))).toEqual({ allowed: false, reason: 'not_found' });
    expect(await authz.check(gil, 'delete', target('globex'))).toEqual({
      allowed: true,
      organizationId: 'globex',
    });
  });

  it("answers each guest's check as the database does, its target's answer", async () => {
    const database = createDatabaseAuthorizer(store.db);
    const authz = cachedAuthorizer(database, { ...ttl, changes: store.changes });
    for (const subject of [users.bob!, users.gil!]) {
      for (const organizationId of ['acme', 'globex']) {
        for (const permission of ['view', 'operate', 'delete'] as const) {
          for (const id of ['qemu/100', 'lxc/200']) {
            const guest = { type: 'guest', organizationId, targetId: 'shared', id } as const;
            expect(await authz.check(subject, permission, guest)).toEqual(
              await database.check(subject, permission, guest),
            );
            expect(await authz.check(subject, permission, target(organizationId))).toEqual(
              await database.check(subject, permission, target(organizationId)),
            );
          }
        }
      }
    }
  });

  it("applies a member's disabling to the caller's next load, and keeps each caller's own", async () => {
    const reads = cachedPrincipalReads(store.members, { ...ttl, changes: store.changes });
    const bob = users.bob!;
    expect(await reads.membershipsOf(bob.userId)).toEqual([{ organizationId: 'acme', role: 'admin' }]);
    expect(await reads.membershipsOf(users.gil!.userId)).toEqual([
      { organizationId: 'globex', role: 'admin' },
    ]);
    expect((await reads.findUserByIdentity('https://idp', 'bob'))?.id).toBe(bob.userId);
    expect(await reads.findUserByIdentity('https://other-idp', 'bob')).toBeUndefined();
    await store.members.setDisabled('acme', bob.userId, true);
    expect(await reads.membershipsOf(bob.userId)).toEqual([]);
  });

  it('applies a target deletion to the next lookup, and keeps targets of the same id apart', async () => {
    const targets = cachedTargetReads(store.targets, { ...ttl, changes: store.changes });
    const acme = await targets.get('acme', 'shared');
    const globex = await targets.get('globex', 'shared');
    expect(acme?.organizationId).toBe('acme');
    expect(globex?.organizationId).toBe('globex');
    expect((await targets.find('shared', ['acme'])).map((t) => t.organizationId)).toEqual(['acme']);
    expect(await targets.descriptor(acme!.key)).toBeDefined();
    await targets.delete('acme', 'shared');
    expect(await targets.get('acme', 'shared')).toBeUndefined();
    expect(await targets.find('shared', ['acme'])).toEqual([]);
    expect(await targets.descriptor(acme!.key)).toBeUndefined();
    expect((await targets.get('globex', 'shared'))?.key).toBe(globex!.key);
  });
});
