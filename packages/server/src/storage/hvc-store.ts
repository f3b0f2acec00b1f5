import { type Kysely, sql } from 'kysely';
import { type AuditLog, createAuditLog } from './audit-log.js';
import type { CredentialCipher } from './credential-cipher.js';
import type { Database } from './database-schema.js';
import { createMemberStore, type MemberStore } from './member-store.js';
import { migrateToLatest } from './migrations.js';
import { openSqliteDatabase } from './open-database.js';
import { createServiceTokenStore, type ServiceTokenStore } from './service-token-store.js';
import { createTargetStore, type TargetStore } from './target-store.js';

/** Everything the server keeps: members, targets, service tokens and the audit log. */
export interface HvcStore {
  readonly db: Kysely<Database>;
  readonly members: MemberStore;
  readonly targets: TargetStore;
  readonly serviceTokens: ServiceTokenStore;
  readonly audit: AuditLog;
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A store on an open Kysely database. */
export function createHvcStore(db: Kysely<Database>, cipher: CredentialCipher): HvcStore {
  return {
    db,
    members: createMemberStore(db),
    targets: createTargetStore(db, cipher),
    serviceTokens: createServiceTokenStore(db),
    audit: createAuditLog(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** Opens the SQLite file (`:memory:` for a throwaway one), applies the migrations and returns the store. */
export async function openSqliteStore(file: string, cipher: CredentialCipher): Promise<HvcStore> {
  const db = openSqliteDatabase(file);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createHvcStore(db, cipher);
}
