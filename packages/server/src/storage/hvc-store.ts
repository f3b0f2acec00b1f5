import { type Kysely, sql } from 'kysely';
import { type AuditLog, createAuditLog } from './audit-log.js';
import { ChangeCounter, countingWrites } from './change-counter.js';
import { type ConsoleTicketStore, createConsoleTicketStore } from './console-ticket-store.js';
import type { CredentialCipher } from './credential-cipher.js';
import { type DatabaseDialect, dialectOf } from './database-dialect.js';
import type { Database } from './database-schema.js';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency-store.js';
import { createMemberStore, type MemberStore } from './member-store.js';
import { migrateToLatest } from './migrations.js';
import { openSqliteDatabase } from './open-database.js';
import { openPostgresDatabase, type PostgresOptions } from './open-postgres-database.js';
import { createServiceTokenStore, type ServiceTokenStore } from './service-token-store.js';
import { createTargetStore, type TargetStore } from './target-store.js';

/** Everything the server keeps: members, targets, service tokens and the audit log. */
export interface HvcStore {
  readonly db: Kysely<Database>;
  /** The engine behind `db`. */
  readonly dialect: DatabaseDialect;
  readonly members: MemberStore;
  readonly targets: TargetStore;
  readonly serviceTokens: ServiceTokenStore;
  readonly audit: AuditLog;
  /** Idempotency keys of writes, shared by every replica. */
  readonly idempotency: IdempotencyStore;
  /** Single-use console proxy tickets, shared by every replica. */
  readonly consoleTickets: ConsoleTicketStore;
  /** Hex HMAC of a request under a key derived from the encryption key: how idempotency keys fingerprint requests. */
  requestMac(data: string): string;
  /** Hex HMAC under another key derived from the encryption key: how list page tokens are bound to their scope. */
  pageTokenMac(data: string): string;
  /** Counts the writes made through `members`, `targets` and `serviceTokens`: what cached access answers check. */
  readonly changes: ChangeCounter;
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A store on an open Kysely database. */
export function createHvcStore(db: Kysely<Database>, cipher: CredentialCipher): HvcStore {
  const changes = new ChangeCounter();
  return {
    db,
    dialect: dialectOf(db as Kysely<unknown>),
    members: countingWrites(
      createMemberStore(db),
      [
        'getOrganization',
        'findUserByIdentity',
        'getUser',
        'listMembers',
        'getMember',
        'invitationsOf',
        'membershipsOf',
      ],
      changes,
    ),
    targets: countingWrites(
      createTargetStore(db, cipher),
      ['get', 'find', 'listForOrganizations', 'descriptor'],
      changes,
    ),
    serviceTokens: countingWrites(createServiceTokenStore(db), ['listEnabled'], changes),
    changes,
    audit: createAuditLog(db),
    idempotency: createIdempotencyStore(db),
    consoleTickets: createConsoleTicketStore(db),
    requestMac: (data) => cipher.mac('hvc idempotency', data),
    pageTokenMac: (data) => cipher.mac('hvc page token', data),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** Applies the migrations to `db` and returns the store; closes `db` when they fail. */
async function migratedStore(db: Kysely<Database>, cipher: CredentialCipher): Promise<HvcStore> {
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createHvcStore(db, cipher);
}

/** Opens the SQLite file (`:memory:` for a throwaway one), applies the migrations and returns the store. */
export function openSqliteStore(file: string, cipher: CredentialCipher): Promise<HvcStore> {
  return migratedStore(openSqliteDatabase(file), cipher);
}

/**
 * Connects to PostgreSQL at `url` (`postgres://…`), applies the migrations (safe when several replicas start at
 * once) and returns the store. Every replica of a deployment opens the same database.
 */
export function openPostgresStore(
  url: string,
  cipher: CredentialCipher,
  options: PostgresOptions = {},
): Promise<HvcStore> {
  return migratedStore(openPostgresDatabase(url, options), cipher);
}
