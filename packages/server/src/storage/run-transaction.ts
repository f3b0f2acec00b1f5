import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import { dialectOf } from './database-dialect.js';
import { isSerializationFailure } from './database-errors.js';

/** How often a transaction that lost a serialization conflict is run again before the error is thrown. */
export const TRANSACTION_ATTEMPTS = 5;

/**
 * Runs `work` in one transaction. On PostgreSQL it is SERIALIZABLE, so checks such as "the organisation keeps an
 * enabled admin" hold when several replicas write at once; a serialization failure or deadlock runs `work` again
 * (up to {@link TRANSACTION_ATTEMPTS} times, after a short random pause). SQLite has one writer at a time and
 * runs it once.
 */
export async function runTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (dialectOf(db as Kysely<unknown>) !== 'postgres') return db.transaction().execute(work);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().setIsolationLevel('serializable').execute(work);
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isSerializationFailure(error)) throw error;
      // Random back-off so the transactions that collided do not collide again.
      await sleep(Math.floor(Math.random() * 20 * attempt) + 5);
    }
  }
}
