import type { Database as BetterSqlite3Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Most prepared statements kept; past it the oldest is dropped (lists with `in (?, ?, ...)` vary in length). */
const MAX_STATEMENTS = 256;

/**
 * `sqlite` for the query builder, with each SQL text prepared once: the builder asks for a new statement on every
 * query, and compiling it costs more than running the small reads a request makes. Statements are only run to
 * completion (`all`, `run`), never left iterating, so one statement serves every call of its SQL.
 */
export function withStatementCache(sqlite: BetterSqlite3Database): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (statements.size >= MAX_STATEMENTS) {
          const oldest = statements.keys().next();
          if (!oldest.done) statements.delete(oldest.value);
        }
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}
