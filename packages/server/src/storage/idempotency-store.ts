import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';

/** Where one idempotency key stands. */
export interface IdempotencyRecord {
  readonly method: string;
  readonly requestHmac: string;
  /** `running` while a call holds the lease; `completed` once its answer is recorded. */
  readonly state: 'running' | 'completed';
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
  /** The recorded answer (JSON), when completed. */
  readonly response: string | null;
  readonly operationId: string | null;
  readonly expiresAt: string;
}

/** A call that wants to own an idempotency key. */
export interface IdempotencyClaim {
  readonly organizationId: string;
  readonly key: string;
  readonly method: string;
  readonly requestHmac: string;
  /** Unique per call: only the owner may renew, complete or release the key. */
  readonly owner: string;
  readonly now: Date;
  readonly leaseMs: number;
  readonly ttlMs: number;
}

/**
 * The idempotency keys of every organisation, shared by all replicas through the database. Each change is one
 * autocommit statement, so a claim is visible to every replica before the claimant touches anything.
 */
export interface IdempotencyStore {
  /**
   * Inserts the key as `running` under `claim.owner`; true when this call now owns it. A key whose row expired is
   * a new key and is claimed too; any other existing row is left alone (false).
   */
  claim(claim: IdempotencyClaim): Promise<boolean>;
  /** Takes over a `running` key whose lease ran out (its replica died); true when this call now owns it. */
  takeOver(claim: IdempotencyClaim): Promise<boolean>;
  /** The key's row, or undefined. */
  get(organizationId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Extends the owner's lease; false when the key is no longer the owner's. */
  renew(organizationId: string, key: string, owner: string, leaseUntil: Date): Promise<boolean>;
  /** Records the owner's answer and ends the lease. */
  complete(
    organizationId: string,
    key: string,
    owner: string,
    response: string,
    operationId?: string,
  ): Promise<void>;
  /** Deletes the owner's row, so the key can be used again (the call wrote nothing). */
  release(organizationId: string, key: string, owner: string): Promise<void>;
  /** Deletes every row expired at `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

/** An {@link IdempotencyStore} on the server's database (SQLite or PostgreSQL). */
export function createIdempotencyStore(db: Kysely<Database>): IdempotencyStore {
  const table = 'idempotency_keys' as const;
  const row = (claim: IdempotencyClaim) => ({
    organization_id: claim.organizationId,
    idempotency_key: claim.key,
    method: claim.method,
    request_hmac: claim.requestHmac,
    state: 'running',
    lease_owner: claim.owner,
    lease_until: new Date(claim.now.getTime() + claim.leaseMs).toISOString(),
    response: null,
    operation_id: null,
    created_at: claim.now.toISOString(),
    expires_at: new Date(claim.now.getTime() + claim.ttlMs).toISOString(),
  });
  return {
    async claim(claim) {
      const values = row(claim);
      const { organization_id: _o, idempotency_key: _k, ...update } = values;
      const won = await db
        .insertInto(table)
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(['organization_id', 'idempotency_key'])
            .doUpdateSet(update)
            .where(`${table}.expires_at`, '<', values.created_at),
        )
        .returning('idempotency_key')
        .executeTakeFirst();
      return won !== undefined;
    },
    async takeOver(claim) {
      const now = claim.now.toISOString();
      const {
        organization_id: _o,
        idempotency_key: _k,
        created_at: _c,
        expires_at: _e,
        ...update
      } = row(claim);
      const taken = await db
        .updateTable(table)
        .set(update)
        .where('organization_id', '=', claim.organizationId)
        .where('idempotency_key', '=', claim.key)
        .where('request_hmac', '=', claim.requestHmac)
        .where('state', '=', 'running')
        .where('lease_until', '<', now)
        .where('expires_at', '>=', now)
        .returning('idempotency_key')
        .executeTakeFirst();
      return taken !== undefined;
    },
    async get(organizationId, key) {
      const found = await db
        .selectFrom(table)
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      if (!found) return undefined;
      return {
        method: found.method,
        requestHmac: found.request_hmac,
        state: found.state === 'completed' ? 'completed' : 'running',
        leaseOwner: found.lease_owner,
        leaseUntil: found.lease_until,
        response: found.response,
        operationId: found.operation_id,
        expiresAt: found.expires_at,
      };
    },
    async renew(organizationId, key, owner, leaseUntil) {
      const renewed = await db
        .updateTable(table)
        .set({ lease_until: leaseUntil.toISOString() })
        .where('organization_id', '=', organizationId)
        .where('idempotency_key', '=', key)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'running')
        .executeTakeFirst();
      return renewed.numUpdatedRows > 0n;
    },
    async complete(organizationId, key, owner, response, operationId) {
      await db
        .updateTable(table)
        .set({
          state: 'completed',
          response,
          operation_id: operationId ?? null,
          lease_owner: null,
          lease_until: null,
        })
        .where('organization_id', '=', organizationId)
        .where('idempotency_key', '=', key)
        .where('lease_owner', '=', owner)
        .execute();
    },
    async release(organizationId, key, owner) {
      await db
        .deleteFrom(table)
        .where('organization_id', '=', organizationId)
        .where('idempotency_key', '=', key)
        .where('lease_owner', '=', owner)
        .execute();
    },
    async purgeExpired(now) {
      const purged = await db
        .deleteFrom(table)
        .where('expires_at', '<', now.toISOString())
        .executeTakeFirst();
      return Number(purged.numDeletedRows);
    },
  };
}
