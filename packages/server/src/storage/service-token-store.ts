import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ServiceTokenOrigin, ServiceTokenRecord } from '../domain/records.js';
import { isRole, type Role } from '../domain/roles.js';
import type { Database } from './database-schema.js';

/** Every service token starts with this, so the authenticator routes it without trying to parse a JWT. */
export const SERVICE_TOKEN_PREFIX = 'hvc_svc_';

/** The hex SHA-256 of a token: what the database keeps. */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random service token: the prefix and 256 random bits. */
export function generateServiceToken(): string {
  return SERVICE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Service tokens, kept as hashes. */
export interface ServiceTokenStore {
  /** Stores (or re-scopes) the token `id` with the hash of `token`; `origin` defaults to `config`. */
  put(input: {
    id: string;
    organizationId: string;
    role: Role;
    token: string;
    origin?: ServiceTokenOrigin;
  }): Promise<ServiceTokenRecord>;
  /** Every enabled token, for the authenticator's fixed-length comparison. */
  listEnabled(): Promise<ServiceTokenRecord[]>;
  setDisabled(id: string, disabled: boolean): Promise<void>;
}

/** A {@link ServiceTokenStore} on the server's database. */
export function createServiceTokenStore(db: Kysely<Database>): ServiceTokenStore {
  return {
    async put({ id, organizationId, role, token, origin = 'config' }) {
      const row = {
        id,
        organization_id: organizationId,
        role,
        token_sha256: sha256Hex(token),
        disabled: 0,
        created_at: new Date().toISOString(),
        origin,
      };
      await db
        .insertInto('service_tokens')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            organization_id: organizationId,
            role,
            token_sha256: row.token_sha256,
            disabled: 0,
            origin,
          }),
        )
        .execute();
      return { id, organizationId, role, tokenSha256: row.token_sha256, disabled: false, origin };
    },
    async listEnabled() {
      const rows = await db
        .selectFrom('service_tokens')
        .selectAll()
        .where('disabled', '=', 0)
        .orderBy('id')
        .execute();
      return rows.flatMap((row) =>
        isRole(row.role)
          ? [
              {
                id: row.id,
                organizationId: row.organization_id,
                role: row.role,
                tokenSha256: row.token_sha256,
                disabled: false,
                origin: row.origin === 'issued' ? ('issued' as const) : ('config' as const),
              },
            ]
          : [],
      );
    },
    async setDisabled(id, disabled) {
      await db
        .updateTable('service_tokens')
        .set({ disabled: disabled ? 1 : 0 })
        .where('id', '=', id)
        .execute();
    },
  };
}
