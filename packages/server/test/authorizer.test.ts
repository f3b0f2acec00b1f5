import { randomBytes } from 'node:crypto';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubjectRef } from '../src/authz/authorizer.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { enforce } from '../src/authz/enforce.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';

let store: HvcStore;
const users: Record<string, SubjectRef> = {};

beforeAll(async () => {
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ['acme', 'globex']) {
    await store.members.createOrganization({ id: org, displayName: org });
    for (const id of [`${org}-a`, `${org}-b`]) {
      await store.targets.create({ id, organizationId: org, displayName: id, kind: 'memory', config: {} });
    }
  }
  for (const [name, org, role] of [
    ['viewer', 'acme', 'viewer'],
    ['operator', 'acme', 'operator'],
    ['admin', 'acme', 'admin'],
    ['outsider', 'globex', 'admin'],
  ] as const) {
    const member = await store.members.addMember({
      organizationId: org,
      issuer: 'https://idp',
      subject: name,
      role,
    });
    users[name] = { type: 'user', id: member.user.id };
  }
  await store.serviceTokens.put({ id: 'ci', organizationId: 'acme', role: 'operator', token: 'hvc_svc_x' });
});
afterAll(() => store.close());

describe('database authorizer', () => {
  const authz = () => createDatabaseAuthorizer(store.db);
  const guest = { type: 'guest', id: 'qemu/100', organizationId: 'acme', targetId: 'acme-a' } as const;

  it('grants by role rank: viewer < operator < admin', async () => {
    const table = await Promise.all(
      (['viewer', 'operator', 'admin'] as const).map(async (who) =>
        (
          await authz().checkMany(users[who]!, [
            { permission: 'view', resource: guest },
            { permission: 'operate', resource: guest },
            { permission: 'create', resource: { type: 'target', organizationId: 'acme', id: 'acme-a' } },
            { permission: 'delete', resource: guest },
            { permission: 'manage', resource: { type: 'organization', id: 'acme' } },
          ])
        ).map((r) => r.allowed),
      ),
    );
    expect(table).toEqual([
      [true, false, false, false, false],
      [true, true, true, false, false],
      [true, true, true, true, true],
    ]);
    expect(await authz().check(users.viewer!, 'operate', guest)).toEqual({
      allowed: false,
      reason: 'insufficient_role',
      organizationId: 'acme',
    });
  });

  it("answers not_found for another organisation's resources and unknown ones", async () => {
    for (const resource of [
      guest,
      { type: 'target', organizationId: 'acme', id: 'acme-b' } as const,
      { type: 'organization', id: 'acme' } as const,
      { type: 'target', organizationId: 'acme', id: 'nope' } as const,
      // Naming its own organisation gains the outsider nothing: the row says where the target is.
      { type: 'target', organizationId: 'globex', id: 'acme-b' } as const,
    ]) {
      expect(await authz().check(users.outsider!, 'view', resource)).toEqual({
        allowed: false,
        reason: 'not_found',
      });
    }
    await expect(enforce(authz(), users.outsider!, 'view', guest)).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'NOT_FOUND'),
    );
    await expect(enforce(authz(), users.viewer!, 'operate', guest)).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'PERMISSION_DENIED'),
    );
    expect(await enforce(authz(), users.operator!, 'operate', guest)).toBe('acme');
  });

  it('lists only allowed resources, with keyset pages', async () => {
    expect(await authz().listAllowed(users.viewer!, 'view', 'target')).toEqual({
      ids: ['acme/acme-a', 'acme/acme-b'],
    });
    expect(await authz().listAllowed(users.viewer!, 'manage', 'target')).toEqual({ ids: [] });
    expect(await authz().listAllowed(users.outsider!, 'view', 'target')).toEqual({
      ids: ['globex/globex-a', 'globex/globex-b'],
    });
    const first = await authz().listAllowed(users.admin!, 'view', 'target', { limit: 1 });
    expect(first).toEqual({ ids: ['acme/acme-a'], cursor: 'acme/acme-a' });
    expect(
      await authz().listAllowed(users.admin!, 'view', 'target', { limit: 1, cursor: first.cursor! }),
    ).toEqual({
      ids: ['acme/acme-b'],
    });
    expect(await authz().listAllowed(users.admin!, 'manage', 'organization')).toEqual({ ids: ['acme'] });
  });

  it('scopes service tokens to their organisation and role, and reads role changes at once', async () => {
    const ci = { type: 'service', id: 'ci' } as const;
    expect((await authz().check(ci, 'operate', guest)).allowed).toBe(true);
    expect((await authz().check(ci, 'delete', guest)).reason).toBe('insufficient_role');
    expect(
      (await authz().check(ci, 'view', { type: 'target', organizationId: 'globex', id: 'globex-a' })).reason,
    ).toBe('not_found');
    await store.members.setRole('acme', users.operator!.id, 'viewer');
    expect((await authz().check(users.operator!, 'operate', guest)).reason).toBe('insufficient_role');
  });
});
