import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { type DatabaseDialect, dialectOf } from './database-dialect.js';
import type { Database } from './database-schema.js';

/**
 * The session-level advisory lock every replica takes before migrating on PostgreSQL, so that replicas starting at
 * once apply each migration once (the others wait, then find nothing to do).
 */
export const MIGRATION_LOCK_KEY = 7_301_744_215_002_017n;

/**
 * The schema's migrations for one dialect, in order. Kept in code so the built bin needs no migration files on
 * disk. Identifiers are compared byte-wise on PostgreSQL (`collate "C"`) so that ordering and page cursors match
 * SQLite's; the SQLite statements are the ones every existing database file was created with.
 */
export function schemaMigrations(dialect: DatabaseDialect): Record<string, Migration> {
  const key = dialect === 'postgres' ? sql`text collate "C"` : ('text' as const);
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('organizations')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('users')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('issuer', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('email', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('users_issuer_subject', ['issuer', 'subject'])
          .execute();
        await db.schema
          .createTable('memberships')
          .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('organization_id', key, (c) =>
            c.notNull().references('organizations.id').onDelete('cascade'),
          )
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'organization_id'])
          .execute();
        await db.schema
          .createTable('targets')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('organization_id', key, (c) =>
            c.notNull().references('organizations.id').onDelete('cascade'),
          )
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('credentials', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('targets_organization').on('targets').column('organization_id').execute();
        await db.schema
          .createTable('service_tokens')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('organization_id', key, (c) =>
            c.notNull().references('organizations.id').onDelete('cascade'),
          )
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('audit_events')
          .addColumn('id', 'integer', (c) =>
            dialect === 'postgres'
              ? c.primaryKey().generatedByDefaultAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn('time', 'text', (c) => c.notNull())
          .addColumn('actor_type', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text', (c) => c.notNull())
          .addColumn('organization_id', key)
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target_id', key)
          .addColumn('guest_id', 'text')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('error_code', 'text')
          .addColumn('operation_id', 'text')
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of [
          'audit_events',
          'service_tokens',
          'targets',
          'memberships',
          'users',
          'organizations',
        ]) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
    '0002_targets_per_organization': {
      // Target ids become names within their organisation, and each row gets a key of its own. A row kept from
      // before takes its old id (unique then) as its key, so its credentials stay bound to the same text; keys of
      // new rows contain "_", which ids never do, so no new key can equal an old one.
      async up(db: Kysely<unknown>) {
        if (dialect === 'postgres') {
          await sql`alter table targets add column key text collate "C"`.execute(db);
          await sql`update targets set key = id`.execute(db);
          await sql`alter table targets alter column key set not null`.execute(db);
          await sql`alter table targets add constraint targets_key unique (key)`.execute(db);
          await sql`alter table targets drop constraint targets_pkey`.execute(db);
          await sql`alter table targets add primary key (organization_id, id)`.execute(db);
          await sql`drop index targets_organization`.execute(db);
          return;
        }
        await sql`create table targets_v2 (
          organization_id text not null references organizations(id) on delete cascade,
          id text not null,
          key text not null unique,
          display_name text not null,
          kind text not null,
          config text not null,
          credentials text,
          created_at text not null,
          updated_at text not null,
          primary key (organization_id, id)
        )`.execute(db);
        await sql`insert into targets_v2 select organization_id, id, id, display_name, kind, config, credentials,
          created_at, updated_at from targets`.execute(db);
        await sql`drop table targets`.execute(db);
        await sql`alter table targets_v2 rename to targets`.execute(db);
      },
    },
    '0003_memberships_per_organisation': {
      // What one organisation says about a user (email, name, disabled) moves from the user, which every
      // organisation shares, to that organisation's membership; memberships can be invitations, not yet accepted
      // (those kept from before were in force: they are active). Audit events name the member a call was about.
      async up(db: Kysely<unknown>) {
        for (const column of [
          sql`email text not null default ''`,
          sql`display_name text not null default ''`,
          sql`disabled integer not null default 0`,
          sql`status text not null default 'active'`,
        ]) {
          await sql`alter table memberships add column ${column}`.execute(db);
        }
        await sql`update memberships set
          email = (select email from users where users.id = memberships.user_id),
          display_name = (select display_name from users where users.id = memberships.user_id),
          disabled = (select disabled from users where users.id = memberships.user_id)`.execute(db);
        for (const column of ['email', 'display_name', 'disabled']) {
          await sql`alter table users drop column ${sql.ref(column)}`.execute(db);
        }
        await sql`alter table audit_events add column member_id text`.execute(db);
      },
    },
    '0004_service_token_origin': {
      // Tokens issued by `hvc-server bootstrap` live in the database alone; those of the configuration are the
      // configuration's, disabled when they leave it. Tokens kept from before came from the configuration.
      async up(db: Kysely<unknown>) {
        await sql`alter table service_tokens add column origin text not null default 'config'`.execute(db);
      },
    },
    '0005_idempotency_keys': {
      // One row per organisation and idempotency key: the first request's HMAC, its lease while it runs, then its
      // recorded answer until the row expires.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('organization_id', key, (c) =>
            c.notNull().references('organizations.id').onDelete('cascade'),
          )
          .addColumn('idempotency_key', key, (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('request_hmac', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', 'text')
          .addColumn('response', 'text')
          .addColumn('operation_id', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['organization_id', 'idempotency_key'])
          .execute();
        await db.schema
          .createIndex('idempotency_keys_expiry')
          .on('idempotency_keys')
          .column('expires_at')
          .execute();
      },
    },
    '0006_console_tickets': {
      // Single-use console proxy tickets: only the SHA-256 of the token is kept; a ticket is consumed by one
      // UPDATE ... RETURNING whose WHERE binds it to its organisation, target and guest.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('console_tickets')
          .addColumn('token_sha256', key, (c) => c.primaryKey())
          .addColumn('organization_id', key, (c) =>
            c.notNull().references('organizations.id').onDelete('cascade'),
          )
          .addColumn('target_id', 'text', (c) => c.notNull())
          .addColumn('guest_id', 'text', (c) => c.notNull())
          .addColumn('protocol', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('used_by', 'text')
          .execute();
        await db.schema
          .createIndex('console_tickets_expiry')
          .on('console_tickets')
          .column('expires_at')
          .execute();
      },
    },
  };
}

async function migrate(db: Kysely<Database>, dialect: DatabaseDialect): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => schemaMigrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Brings the database schema up to date; returns the names of the migrations it applied. On PostgreSQL it holds
 * {@link MIGRATION_LOCK_KEY} on one connection for the whole run, bookkeeping tables included, so any number of
 * replicas may call it at once; the wait and the migrations are exempt from the statement timeout.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const dialect = dialectOf(db as Kysely<unknown>);
  if (dialect !== 'postgres') return migrate(db, dialect);
  return db.connection().execute(async (conn) => {
    // Waiting for another replica's migration, or a migration itself, may outlast a request's statement timeout.
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      return await migrate(conn, dialect);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
      await sql`reset statement_timeout`.execute(conn);
    }
  });
}
