import type { Kysely } from 'kysely';
import { type CredentialCipher, keyIdOf } from './credential-cipher.js';
import type { Database } from './database-schema.js';
import { runTransaction } from './run-transaction.js';

/** What a key rotation did. */
export interface KeyRotation {
  /** Credentials re-encrypted with the new key. */
  readonly rotated: number;
  /** Credentials already under the new key (a rotation run again, or resumed). */
  readonly alreadyRotated: number;
}

/**
 * Re-encrypts every stored credential from the key of `from` to the key of `to`, in one transaction: when one
 * value cannot be decrypted with `from`, nothing is changed. Values already under `to` are left as they are, so a
 * rotation can be run again safely.
 */
export async function rotateEncryptionKey(
  db: Kysely<Database>,
  from: CredentialCipher,
  to: CredentialCipher,
): Promise<KeyRotation> {
  return runTransaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('targets')
      .select(['key', 'credentials'])
      .where('credentials', 'is not', null)
      .execute();
    let rotated = 0;
    for (const row of rows) {
      const credentials = row.credentials!;
      if (keyIdOf(credentials) === to.keyId) continue;
      const context = `target:${row.key}`;
      const sealed = to.encrypt(from.decrypt(credentials, context), context);
      await trx.updateTable('targets').set({ credentials: sealed }).where('key', '=', row.key).execute();
      rotated++;
    }
    return { rotated, alreadyRotated: rows.length - rotated };
  });
}
