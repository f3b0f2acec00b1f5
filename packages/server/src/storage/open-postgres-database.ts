import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database-schema.js';

/** Connection pool and session settings for PostgreSQL. */
export interface PostgresOptions {
  /** Most connections this process keeps open (default 10). Size it so that replicas × max fits the server. */
  readonly poolMax?: number;
  /** How long an idle connection stays open, ms (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** How long to wait for a connection (new or from the pool), ms (default 10 s). */
  readonly connectionTimeoutMs?: number;
  /** The server cancels a statement running longer than this, ms (default 30 s; 0 leaves the database's own setting). */
  readonly statementTimeoutMs?: number;
  /** Called with errors of idle pooled connections (e.g. the server restarted); the pool replaces them. */
  readonly onIdleError?: (error: Error) => void;
}

/**
 * A Kysely database on a PostgreSQL connection pool for `url` (`postgres://user:password@host:5432/db`, with
 * `?sslmode=...` for TLS). The URL holds a password: it is never logged or put in error messages.
 */
export function openPostgresDatabase(url: string, options: PostgresOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    // A transaction left open by a crashed request must not hold its locks forever.
    idle_in_transaction_session_timeout: 60_000,
    application_name: 'hvc-server',
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
