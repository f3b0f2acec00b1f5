import type { Kysely } from 'kysely';
import type { CredentialCipher } from './credential-cipher.js';
import type { Database } from './database-schema.js';
import { type HvcStore, openPostgresStore, openSqliteStore } from './hvc-store.js';
import { openSqliteDatabase } from './open-database.js';
import { openPostgresDatabase } from './open-postgres-database.js';

/** Where the server keeps its data: PostgreSQL when `url` is set, else the SQLite `file`. */
export interface DatabaseSettings {
  /** The SQLite file (one replica). */
  readonly file: string;
  /** `postgres://…`: PostgreSQL, shared by every replica. Secret (it may hold a password). */
  readonly url?: string | undefined;
  readonly poolMax?: number | undefined;
  readonly statementTimeoutMs?: number | undefined;
  readonly connectionTimeoutMs?: number | undefined;
  readonly idleTimeoutMs?: number | undefined;
}

/** Hooks for the configured database. */
export interface DatabaseHooks {
  /** Errors of idle PostgreSQL connections, for the log. */
  readonly onIdleError?: (error: Error) => void;
}

function postgresOptions(settings: DatabaseSettings, hooks: DatabaseHooks) {
  return {
    ...(settings.poolMax === undefined ? {} : { poolMax: settings.poolMax }),
    ...(settings.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: settings.statementTimeoutMs }),
    ...(settings.connectionTimeoutMs === undefined
      ? {}
      : { connectionTimeoutMs: settings.connectionTimeoutMs }),
    ...(settings.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: settings.idleTimeoutMs }),
    ...(hooks.onIdleError === undefined ? {} : { onIdleError: hooks.onIdleError }),
  };
}

/** A printable name of the database that never shows a password: the file, or `postgres://host:port/db`. */
export function describeDatabase(settings: DatabaseSettings): string {
  if (settings.url === undefined) return settings.file;
  try {
    const url = new URL(settings.url);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** Opens the configured database without migrating it. */
export function openDatabase(settings: DatabaseSettings, hooks: DatabaseHooks = {}): Kysely<Database> {
  return settings.url === undefined
    ? openSqliteDatabase(settings.file)
    : openPostgresDatabase(settings.url, postgresOptions(settings, hooks));
}

/** Opens the configured database, applies the migrations and returns the store. */
export function openStore(
  settings: DatabaseSettings,
  cipher: CredentialCipher,
  hooks: DatabaseHooks = {},
): Promise<HvcStore> {
  return settings.url === undefined
    ? openSqliteStore(settings.file, cipher)
    : openPostgresStore(settings.url, cipher, postgresOptions(settings, hooks));
}
