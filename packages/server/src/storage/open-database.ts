import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './database-schema.js';
import { withStatementCache } from './statement-cache.js';

/**
 * Opens (creating when needed) the SQLite database file, or an in-memory one for `:memory:`. WAL mode lets reads
 * go on while a write commits; foreign keys are enforced; each SQL text is prepared once.
 */
export function openSqliteDatabase(file: string): Kysely<Database> {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}
