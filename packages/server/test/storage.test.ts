import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { ConfigError, loadServerConfig } from '../src/bootstrap/server-config.js';
import { describeDatabase, openStore } from '../src/storage/configured-database.js';
import { createCredentialCipher, parseEncryptionKey } from '../src/storage/credential-cipher.js';
import { type HvcStore, openPostgresStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { MIGRATION_LOCK_KEY, migrateToLatest, schemaMigrations } from '../src/storage/migrations.js';
import { openSqliteDatabase } from '../src/storage/open-database.js';
import { openPostgresDatabase } from '../src/storage/open-postgres-database.js';
import { sha256Hex } from '../src/storage/service-token-store.js';
import { usePostgres } from './support/postgres-server.js';

const dir = mkdtempSync(join(tmpdir(), 'hvc-store-'));
const key = randomBytes(32);
let databases = 0;
// Started by this file; each PostgreSQL test fails (never skips) when it cannot start.
const postgres = usePostgres();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('credential cipher', () => {
  const cipher = createCredentialCipher(key);

  it('round-trips and binds the ciphertext to its context', () => {
    const sealed = cipher.encrypt('s3cret', 'target:a');
    expect(sealed).not.toContain('s3cret');
    expect(cipher.decrypt(sealed, 'target:a')).toBe('s3cret');
    expect(() => cipher.decrypt(sealed, 'target:b')).toThrow(/cannot be decrypted/);
    expect(() => createCredentialCipher(randomBytes(32)).decrypt(sealed, 'target:a')).toThrow(
      `the credentials were encrypted with key ${cipher.keyId}, not with this key`,
    );
    expect(cipher.encrypt('s3cret', 'target:a')).not.toBe(sealed);
  });

  it('reads keys as hex or base64 and rejects other lengths without echoing them', () => {
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(() => parseEncryptionKey('c2hvcnQ=')).toThrow(
      'the encryption key must be 32 random bytes, as 64 hex digits or base64 (e.g. `openssl rand -base64 32`); this one is 5 bytes',
    );
  });
});

describe('database settings', () => {
  it('selects PostgreSQL with HVC_DATABASE_URL and reads the pool settings; SQLite stays the default', () => {
    expect(loadServerConfig({}).database).toEqual({ file: 'hvc.sqlite' });
    const { database } = loadServerConfig({
      HVC_DATABASE_URL: 'postgresql://hvc:pw@db.internal:5432/hvc?sslmode=verify-full',
      HVC_DATABASE_POOL_MAX: '25',
      HVC_DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      HVC_DATABASE_CONNECTION_TIMEOUT_MS: '2000',
      HVC_DATABASE_IDLE_TIMEOUT_MS: '60000',
    });
    expect(database).toEqual({
      file: 'hvc.sqlite',
      url: 'postgresql://hvc:pw@db.internal:5432/hvc?sslmode=verify-full',
      poolMax: 25,
      statementTimeoutMs: 5000,
      connectionTimeoutMs: 2000,
      idleTimeoutMs: 60000,
    });
    expect(describeDatabase(database)).toBe('postgresql://db.internal:5432/hvc');
    expect(describeDatabase({ file: '/data/hvc.sqlite' })).toBe('/data/hvc.sqlite');
  });

  it('names a bad setting and its variable without echoing the value', () => {
    let message = '';
    try {
      loadServerConfig({
        HVC_DATABASE_URL: 'mysql://root:hunter2-secret@db/hvc',
        HVC_DATABASE_POOL_MAX: '0',
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('database.url (HVC_DATABASE_URL): must be a postgres:// or postgresql:// URL');
    expect(message).toContain('database.poolMax (HVC_DATABASE_POOL_MAX)');
    expect(message).not.toContain('hunter2-secret');
  });
});

/** How each dialect gets a fresh, empty database: a new SQLite file, or a new database on the test server. */
const dialects = [
  {
    dialect: 'sqlite',
    fresh: async () => {
      const file = join(dir, `db-${++databases}.sqlite`);
      return (k: Buffer) => openSqliteStore(file, createCredentialCipher(k));
    },
    empty: async () => {
      const file = join(dir, `db-${++databases}.sqlite`);
      return {
        db: openSqliteDatabase(file),
        open: (k: Buffer) => openSqliteStore(file, createCredentialCipher(k)),
      };
    },
  },
  {
    dialect: 'postgres',
    fresh: async () => {
      const url = await postgres().createDatabase(`hvc_${++databases}`);
      return (k: Buffer) => openPostgresStore(url, createCredentialCipher(k));
    },
    empty: async () => {
      const url = await postgres().createDatabase(`hvc_${++databases}`);
      return {
        db: openPostgresDatabase(url),
        open: (k: Buffer) => openPostgresStore(url, createCredentialCipher(k)),
      };
    },
  },
] as const;

describe.each(dialects)('$dialect store', ({ dialect, fresh, empty }) => {
  let open: (k: Buffer) => Promise<HvcStore>;
  let store: HvcStore;

  // Opened by the first test (a hook failure then fails the tests instead of skipping them).
  beforeEach(async () => {
    if (store) return;
    open = await fresh();
    store = await open(key);
    await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
  });
  afterAll(() => store?.close());

  it('runs on its dialect, applies migrations once and reopens an existing database', async () => {
    expect(store.dialect).toBe(dialect);
    const again = await open(key);
    expect(await migrateToLatest(again.db)).toEqual([]);
    expect(await again.members.getOrganization('acme')).toMatchObject({ id: 'acme', displayName: 'Acme' });
    await again.close();
  });

  it('migrates a database made before targets were named per organisation, credentials still readable', async () => {
    const { db, open: openMigrated } = await empty();
    const before = async (database: Kysely<unknown>, name: string) => {
      const migrations = schemaMigrations(dialect);
      const kept = Object.fromEntries(Object.entries(migrations).filter(([n]) => n <= name));
      const { error } = await new Migrator({
        db: database,
        provider: { getMigrations: async () => kept },
      }).migrateToLatest();
      if (error) throw error;
    };
    await before(db as Kysely<unknown>, '0001_initial');
    const now = new Date().toISOString();
    await sql`insert into organizations (id, display_name, created_at) values ('old', 'Old', ${now})`.execute(
      db,
    );
    const credentials = createCredentialCipher(key).encrypt('{"secret":"kept"}', 'target:pve-old');
    await sql`insert into targets (id, organization_id, display_name, kind, config, credentials, created_at,
      updated_at) values ('pve-old', 'old', 'Old', 'memory', '{}', ${credentials}, ${now}, ${now})`.execute(
      db,
    );
    await db.destroy();
    const migrated = await openMigrated(key);
    const target = await migrated.targets.get('old', 'pve-old');
    expect(target).toMatchObject({
      id: 'pve-old',
      organizationId: 'old',
      key: 'pve-old',
      hasCredentials: true,
    });
    expect((await migrated.targets.descriptor('pve-old'))?.config.credentials).toEqual({ secret: 'kept' });
    await migrated.close();
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
    expect(target.key).toMatch(/^t_[0-9a-f]{32}$/);
    expect(await store.targets.descriptor(target.key)).toEqual({
      id: target.key,
      kind: 'proxmox',
      config: {
        endpoints: ['https://pve1.example:8006'],
        credentials: { tokenId: 'root@pam!hvc', secret: 'very-secret-value' },
      },
    });
    await expect(store.targets.create({ ...target, credentials: {} })).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'ALREADY_EXISTS'),
    );
    const other = await open(randomBytes(32));
    await expect(other.targets.descriptor(target.key)).rejects.toThrow(
      /encrypted with key [0-9a-f]{8}, not with this key/,
    );
    await other.close();
  });

  it('hands out one frozen descriptor while the row is unchanged, and sees every change at once, from any replica', async () => {
    const { key: memo } = await store.targets.create({
      id: 'pve-memo',
      organizationId: 'acme',
      displayName: 'PVE',
      kind: 'proxmox',
      config: { endpoints: ['https://pve1.example:8006'] },
      credentials: { tokenId: 'root@pam!hvc', secret: 'first-secret' },
    });
    const first = await store.targets.descriptor(memo);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.config.credentials)).toBe(true);
    expect(await store.targets.descriptor(memo)).toBe(first);
    // A change through this store, then one through another replica on the same database: both seen on the next read.
    await store.targets.update('acme', 'pve-memo', {
      credentials: { tokenId: 'root@pam!hvc', secret: 'second-secret' },
    });
    const second = await store.targets.descriptor(memo);
    expect(second).not.toBe(first);
    expect(second?.config.credentials).toEqual({ tokenId: 'root@pam!hvc', secret: 'second-secret' });
    const replica = await open(key);
    await replica.targets.update('acme', 'pve-memo', {
      config: { endpoints: ['https://pve2.example:8006'] },
    });
    expect((await store.targets.descriptor(memo))?.config.endpoints).toEqual(['https://pve2.example:8006']);
    await replica.targets.delete('acme', 'pve-memo');
    expect(await store.targets.descriptor(memo)).toBeUndefined();
    await replica.close();
  });

  it('updates and deletes targets', async () => {
    const updated = await store.targets.update('acme', 'pve-1', { displayName: 'Renamed' });
    expect(updated.displayName).toBe('Renamed');
    await expect(store.targets.update('acme', 'nope', { displayName: 'x' })).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'NOT_FOUND'),
    );
    expect(await store.targets.listForOrganizations(['acme'])).toHaveLength(1);
    expect(await store.targets.listForOrganizations(['other'])).toEqual([]);
    expect(await store.targets.delete('acme', 'pve-1')).toBe(true);
    expect(await store.targets.delete('acme', 'pve-1')).toBe(false);
    expect(await store.targets.descriptor(updated.key)).toBeUndefined();
  });

  it('names targets within their organisation: the same id elsewhere is another target with another key', async () => {
    await store.members.createOrganization({ id: 'initech', displayName: 'Initech' });
    const mine = await store.targets.create({
      id: 'shared-name',
      organizationId: 'acme',
      displayName: 'mine',
      kind: 'memory',
      config: { same: true },
    });
    const theirs = await store.targets.create({
      id: 'shared-name',
      organizationId: 'initech',
      displayName: 'theirs',
      kind: 'memory',
      config: { same: true },
    });
    expect(theirs.key).not.toBe(mine.key);
    expect((await store.targets.find('shared-name', ['acme', 'initech'])).map((t) => t.key)).toEqual([
      mine.key,
      theirs.key,
    ]);
    expect(await store.targets.find('shared-name', ['initech'])).toEqual([theirs]);
    expect(await store.targets.delete('initech', 'shared-name')).toBe(true);
    expect(await store.targets.get('acme', 'shared-name')).toEqual(mine);
    const again = await store.targets.create({
      id: 'shared-name',
      organizationId: 'initech',
      displayName: 'again',
      kind: 'memory',
      config: { same: true },
    });
    expect([mine.key, theirs.key]).not.toContain(again.key);
    await store.targets.delete('acme', 'shared-name');
    await store.targets.delete('initech', 'shared-name');
  });

  it('orders ids byte-wise, so lists and page cursors agree with the API on every dialect', async () => {
    // A language collation (the test databases use en-US) would put these in another order.
    const ids = ['b_1', 'b1', 'b-1', 'B2'];
    await store.members.createOrganization({ id: 'sorting', displayName: 'Sorting' });
    for (const id of ids) {
      await store.targets.create({
        id,
        organizationId: 'sorting',
        displayName: id,
        kind: 'memory',
        config: {},
      });
    }
    const sorted = [...ids].sort();
    expect((await store.targets.listForOrganizations(['sorting'])).map((t) => t.id)).toEqual(sorted);

    const admin = await store.members.addMember({
      organizationId: 'sorting',
      issuer: 'https://idp',
      subject: 'sorter',
      role: 'admin',
    });
    const authz = createDatabaseAuthorizer(store.db);
    const subject = { type: 'user', id: admin.user.id } as const;
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await authz.listAllowed(subject, 'view', 'target', {
        limit: 1,
        ...(cursor === undefined ? {} : { cursor }),
      });
      paged.push(...page.ids);
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(paged).toEqual(sorted.map((id) => `sorting/${id}`));
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
    await expect(store.members.setDisabled('acme', alice.user.id, true)).rejects.toSatisfy((e) =>
      isHypervisorError(e, 'CONFLICT'),
    );
    expect((await store.members.setRole('acme', bob.user.id, 'operator')).role).toBe('operator');
    expect((await store.members.setDisabled('acme', bob.user.id, true)).disabled).toBe(true);
    // A disabled membership is not one the user acts in.
    expect(await store.members.membershipsOf(bob.user.id)).toEqual([]);
    expect((await store.members.setDisabled('acme', bob.user.id, false)).disabled).toBe(false);
    expect(await store.members.membershipsOf(bob.user.id)).toEqual([
      { organizationId: 'acme', role: 'operator' },
    ]);
    expect((await store.members.listMembers('acme')).map((m) => m.user.subject).sort()).toEqual([
      'alice',
      'bob',
    ]);
  });

  it('keeps one enabled admin when two admins are demoted at once', async () => {
    // Each demotion alone is allowed; together they would leave no admin. On PostgreSQL the two run at once on
    // two pooled connections in SERIALIZABLE transactions, and the loser is retried, then refused.
    for (let round = 0; round < 5; round++) {
      const org = `race-${round}`;
      await store.members.createOrganization({ id: org, displayName: org });
      const [a, b] = await Promise.all(
        ['a', 'b'].map((s) =>
          store.members.addMember({
            organizationId: org,
            issuer: 'https://idp',
            subject: `${org}-${s}`,
            role: 'admin',
          }),
        ),
      );
      const results = await Promise.allSettled([
        store.members.setRole(org, a!.user.id, 'viewer'),
        store.members.setRole(org, b!.user.id, 'viewer'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const [refused] = results.filter((r) => r.status === 'rejected');
      expect(isHypervisorError(refused?.reason, 'CONFLICT')).toBe(true);
      const admins = (await store.members.listMembers(org)).filter((m) => m.role === 'admin');
      expect(admins).toHaveLength(1);
    }
  });

  it('answers ALREADY_EXISTS to the second of two concurrent creations of one organisation', async () => {
    const results = await Promise.allSettled([
      store.members.createOrganization({ id: 'twice', displayName: 'One' }),
      store.members.createOrganization({ id: 'twice', displayName: 'Two' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [refused] = results.filter((r) => r.status === 'rejected');
    expect(isHypervisorError(refused?.reason, 'ALREADY_EXISTS')).toBe(true);
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
      origin: 'config',
    });
    await store.serviceTokens.put({ id: 'ci', organizationId: 'acme', role: 'viewer', token: 'hvc_svc_def' });
    expect(await store.serviceTokens.listEnabled()).toEqual([
      expect.objectContaining({ id: 'ci', role: 'viewer', tokenSha256: sha256Hex('hvc_svc_def') }),
    ]);
    await store.serviceTokens.setDisabled('ci', true);
    expect(await store.serviceTokens.listEnabled()).toEqual([]);
  });

  it('records audit events, newest first', async () => {
    for (const operationId of ['op-1', 'op-2']) {
      await store.audit.record({
        time: new Date().toISOString(),
        actor: { type: 'user', id: 'u1' },
        organizationId: 'acme',
        action: 'hvc.v1.GuestService/StartGuest',
        targetId: 't',
        guestId: 'qemu/100',
        outcome: 'ok',
        operationId,
      });
    }
    expect(await store.audit.list({ organizationId: 'acme' })).toEqual([
      expect.objectContaining({ operationId: 'op-2' }),
      expect.objectContaining({
        actor: { type: 'user', id: 'u1' },
        guestId: 'qemu/100',
        operationId: 'op-1',
        outcome: 'ok',
      }),
    ]);
    expect(await store.audit.list({ organizationId: 'nobody' })).toEqual([]);
  });
});

describe('postgres store (several replicas)', () => {
  const cipher = createCredentialCipher(key);

  it('applies each migration once when several replicas migrate a new database at once', async () => {
    const url = await postgres().createDatabase('hvc_concurrent');
    const dbs = Array.from({ length: 4 }, () => openPostgresDatabase(url, { poolMax: 2 }));
    try {
      const applied = await Promise.all(dbs.map((db) => migrateToLatest(db)));
      const all = Object.keys(schemaMigrations('postgres'));
      expect(applied.flat()).toEqual(all);
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        dbs[0]!,
      );
      expect(rows.rows.map((r) => r.name)).toEqual(all);
      const store = await openPostgresStore(url, cipher);
      expect(await store.members.getOrganization('none')).toBeUndefined();
      await store.close();
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  });

  it('waits for another replica holding the migration lock longer than the statement timeout', async () => {
    const url = await postgres().createDatabase('hvc_lock_wait');
    const holder = openPostgresDatabase(url);
    try {
      await holder.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
        const opening = openPostgresStore(url, cipher, { statementTimeoutMs: 50 });
        // Release only once the opener is queued behind the lock, and after its statement timeout has passed.
        await expect
          .poll(async () => {
            const waiting = await sql<{ n: string }>`
              select count(*) as n from pg_locks where locktype = 'advisory' and not granted`.execute(conn);
            return Number(waiting.rows[0]?.n);
          })
          .toBe(1);
        await sleep(200);
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
        const store = await opening;
        // The pooled connection that migrated is back on the configured timeout.
        const timeouts = await Promise.all(
          [1, 2, 3].map(() => sql<{ statement_timeout: string }>`show statement_timeout`.execute(store.db)),
        );
        expect(timeouts.map((t) => t.rows[0]?.statement_timeout)).toEqual(['50ms', '50ms', '50ms']);
        await store.close();
      });
    } finally {
      await holder.destroy();
    }
  });

  it('fails to open with a wrong password, and the error does not carry the URL', async () => {
    const url = new URL(await postgres().createDatabase('hvc_denied'));
    url.password = 'not-the-password-123';
    const error: unknown = await openStore({ file: 'unused.sqlite', url: url.href }, cipher).then(
      () => new Error('expected a failure'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '28P01' });
    const { message, stack } = error as Error;
    expect(`${message} ${stack}`).not.toContain('not-the-password-123');
  });

  it('cancels a statement that runs longer than the statement timeout', async () => {
    const url = await postgres().createDatabase('hvc_timeout');
    const store = await openPostgresStore(url, cipher, { statementTimeoutMs: 50 });
    try {
      await expect(sql`select pg_sleep(30)`.execute(store.db)).rejects.toMatchObject({ code: '57014' });
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('survives the server dropping an idle pooled connection, and reports it', async () => {
    const url = await postgres().createDatabase('hvc_idle');
    const errors: Error[] = [];
    const store = await openPostgresStore(url, cipher, { onIdleError: (e) => errors.push(e) });
    try {
      await store.ping();
      const admin = await openPostgresStore(url, cipher);
      await sql`
        select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'hvc-server' and pid <> pg_backend_pid() and datname = current_database()
          and state = 'idle'`.execute(admin.db);
      await admin.close();
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      await store.ping();
      expect(await store.members.getOrganization('none')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
