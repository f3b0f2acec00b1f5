import { type Kysely, PostgresAdapter } from 'kysely';

/** The SQL engines the store runs on. */
export type DatabaseDialect = 'sqlite' | 'postgres';

/** Which engine a Kysely instance talks to (PostgreSQL-compatible engines count as `postgres`). */
export function dialectOf(db: Kysely<unknown>): DatabaseDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
