import BetterSqlite3 from 'better-sqlite3';
import { expect, it } from 'vitest';
import { withStatementCache } from '../src/storage/statement-cache.js';

it('prepares each SQL text once, keeps at most 256, and serves repeated runs from one statement', () => {
  const sqlite = new BetterSqlite3(':memory:');
  const db = withStatementCache(sqlite);
  db.prepare('create table t (n integer)').run([]);
  const insert = db.prepare('insert into t (n) values (?)');
  expect(db.prepare('insert into t (n) values (?)')).toBe(insert);
  for (let n = 0; n < 3; n++) db.prepare('insert into t (n) values (?)').run([n]);
  expect(db.prepare('select count(*) as c from t').all([])).toEqual([{ c: 3 }]);
  // Past the bound the oldest statement is dropped and prepared anew when asked for again.
  for (let i = 0; i < 300; i++) db.prepare(`select ${i} as v`);
  expect(db.prepare('insert into t (n) values (?)')).not.toBe(insert);
  db.close();
  expect(sqlite.open).toBe(false);
});
