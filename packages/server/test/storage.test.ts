import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher, parseEncryptionKey } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { sha256Hex } from '../src/storage/service-token-store.js';

const dir = mkdtempSync(join(tmpdir(), 'hvc-store-'));
const file = join(dir, 'hvc.sqlite');
const key = randomBytes(32);
let store: HvcStore;

beforeAll(async () => {
  store = await openSqliteStore(file, createCredentialCipher(key));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credential cipher', () => {
  const cipher = createCredentialCipher(key);

  it('round-trips and binds the ciphertext to its context', () => {
    const sealed = cipher.encrypt('s3cret', 'target:a');
    expect(sealed).not.toContain('s3cret');
    expect(cipher.decrypt(sealed, 'target:a')).toBe('s3cret');
    expect(() => cipher.decrypt(sealed, 'target:b')).toThrow(/cannot be decrypted/);
    expect(() => createCredentialCipher(randomBytes(32)).decrypt(sealed, 'target:a')).toThrow(
      /cannot be decrypted/,
    );
    expect(cipher.encrypt('s3cret', 'target:a')).not.toBe(sealed);
  });

  it('reads keys as hex or base64 and rejects other lengths without echoing them', () => {
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(() => parseEncryptionKey('c2hvcnQ=')).toThrow(
      'the encryption key must be 32 bytes (64 hex digits or base64)',
    );
  });
});

describe('sqlite store', () => {
  it('applies migrations once and reopens an existing file', async () => {
    const again = await openSqliteStore(file, createCredentialCipher(key));
    expect(await again.members.getOrganization('acme')).toMatchObject({ id: 'acme', displayName: 'Acme' });
    await again.close();
  });

  it('stores target credentials encrypted and hands them to the descriptor only', async () => {
    const target = await store.targets.create({
      id: 'pve-1',
      organizationId: 'acme',
      displayName: 'PVE 1',
      kind: 'proxmox',
      config: { endpoints: ['https://pve1.example:8006'] },
      credentials: { tokenId: 'root@pam!hvc', secret: 'very-secret-value' },
    });
    expect(target).toMatchObject({
      id: 'pve-1',
      hasCredentials: true,
      config: { endpoints: ['https://pve1.example:8006'] },
    });
    expect(JSON.stringify(target)).not.toContain('very-secret-value');
    const raw = await store.db
      .selectFrom('targets')
      .select('credentials')
      .where('id', '=', 'pve-1')
      .executeTakeFirstOrThrow();
    expect(raw.credentials).not.toContain('very-secret-value');
    expect(await store.targets.descriptor('pve-1')).toEqual({
      id: 'pve-1',
      kind: 'proxmox',
      config: {
        endpoints: ['https://pve1.example:8006'],
        credentials: { tokenId: 'root@pam!hvc', secret: 'very-secret-value' },
      },
    });
    await expect(store.targets.create({ ...target, credentials: {} })).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'ALREADY_EXISTS'),
    );
    const other = await openSqliteStore(file, createCredentialCipher(randomBytes(32)));
    await expect(other.targets.descriptor('pve-1')).rejects.toThrow(/cannot be decrypted/);
    await other.close();
  });

  it('updates and deletes targets', async () => {
    const updated = await store.targets.update('pve-1', { displayName: 'Renamed' });
    expect(updated.displayName).toBe('Renamed');
    await expect(store.targets.update('nope', { displayName: 'x' })).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'NOT_FOUND'),
    );
    expect(await store.targets.listForOrganizations(['acme'])).toHaveLength(1);
    expect(await store.targets.listForOrganizations(['other'])).toEqual([]);
    expect(await store.targets.delete('pve-1')).toBe(true);
    expect(await store.targets.delete('pve-1')).toBe(false);
    expect(await store.targets.descriptor('pve-1')).toBeUndefined();
  });

  it('adds members, refuses duplicates and keeps one enabled admin', async () => {
    const alice = await store.members.addMember({
      organizationId: 'acme',
      issuer: 'https://idp',
      subject: 'alice',
      role: 'admin',
    });
    const bob = await store.members.addMember({
      organizationId: 'acme',
      issuer: 'https://idp',
      subject: 'bob',
      role: 'viewer',
    });
    await expect(
      store.members.addMember({
        organizationId: 'acme',
        issuer: 'https://idp',
        subject: 'bob',
        role: 'admin',
      }),
    ).rejects.toSatisfy((e) => isHypervisorError(e, 'ALREADY_EXISTS'));
    await expect(
      store.members.addMember({
        organizationId: 'nope',
        issuer: 'https://idp',
        subject: 'carol',
        role: 'admin',
      }),
    ).rejects.toSatisfy((e) => isHypervisorError(e, 'NOT_FOUND'));
    expect(await store.members.findUserByIdentity('https://idp', 'alice')).toMatchObject({
      id: alice.user.id,
    });
    expect(await store.members.findUserByIdentity('https://other-idp', 'alice')).toBeUndefined();

    await expect(store.members.setRole('acme', alice.user.id, 'viewer')).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'CONFLICT'),
    );
    await expect(store.members.setDisabled(alice.user.id, true)).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'CONFLICT'),
    );
    expect((await store.members.setRole('acme', bob.user.id, 'operator')).role).toBe('operator');
    expect((await store.members.setDisabled(bob.user.id, true)).disabled).toBe(true);
    expect(await store.members.membershipsOf(bob.user.id)).toEqual([
      { organizationId: 'acme', role: 'operator' },
    ]);
    expect((await store.members.listMembers('acme')).map((m) => m.user.subject).sort()).toEqual([
      'alice',
      'bob',
    ]);
  });

  it('keeps only the hash of a service token', async () => {
    await store.serviceTokens.put({
      id: 'ci',
      organizationId: 'acme',
      role: 'operator',
      token: 'hvc_svc_abc',
    });
    const [token] = await store.serviceTokens.listEnabled();
    expect(token).toEqual({
      id: 'ci',
      organizationId: 'acme',
      role: 'operator',
      tokenSha256: sha256Hex('hvc_svc_abc'),
      disabled: false,
    });
    await store.serviceTokens.setDisabled('ci', true);
    expect(await store.serviceTokens.listEnabled()).toEqual([]);
  });

  it('records audit events', async () => {
    await store.audit.record({
      time: new Date().toISOString(),
      actor: { type: 'user', id: 'u1' },
      organizationId: 'acme',
      action: 'hvc.v1.GuestService/StartGuest',
      targetId: 't',
      guestId: 'qemu/100',
      outcome: 'ok',
      operationId: 'op-1',
    });
    expect(await store.audit.list({ organizationId: 'acme' })).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: 'u1' },
        guestId: 'qemu/100',
        operationId: 'op-1',
        outcome: 'ok',
      }),
    ]);
  });
});
