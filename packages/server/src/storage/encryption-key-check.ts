import { type Kysely, sql } from 'kysely';
import type { CredentialCipher } from './credential-cipher.js';
import type { Database } from './database-schema.js';

/** Whether the configured key can read what is stored, and if not, why (key ids only, never key material). */
export type KeyCheck = { readonly usable: true } | { readonly usable: false; readonly problem: string };

/**
 * Checks that `cipher` can decrypt every stored credential: each value written with key ids must name this key,
 * and one value written before key ids (if any) must decrypt. A wrong key would otherwise leave the server
 * answering while every call on a target with credentials fails. One small query; cheap enough for readiness.
 */
export async function checkEncryptionKey(db: Kysely<Database>, cipher: CredentialCipher): Promise<KeyCheck> {
  const heads = await sql<{ head: string }>`
    select distinct case when credentials like 'v2.%' then substr(credentials, 4, 8) else '' end as head
    from targets where credentials is not null`.execute(db);
  const others = heads.rows.map((r) => r.head).filter((head) => head !== '' && head !== cipher.keyId);
  if (others.length > 0) {
    return {
      usable: false,
      problem: `stored credentials are encrypted with key ${others.sort().join(', ')}, but the configured key is ${cipher.keyId}: set the key they were written with, or run hvc-server rotate-key`,
    };
  }
  if (heads.rows.some((r) => r.head === '')) {
    const row = await db
      .selectFrom('targets')
      .select(['key', 'credentials'])
      .where('credentials', 'is not', null)
      .where('credentials', 'not like', 'v2.%')
      .limit(1)
      .executeTakeFirst();
    if (row?.credentials) {
      try {
        cipher.decrypt(row.credentials, `target:${row.key}`);
      } catch {
        return {
          usable: false,
          problem: `stored credentials cannot be decrypted with the configured key (${cipher.keyId})`,
        };
      }
    }
  }
  return { usable: true };
}
