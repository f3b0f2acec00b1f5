import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, NotFoundError } from '@hvc/hypervisor-connector';
import type { Kysely, Selectable } from 'kysely';
import type { StoredTarget, TargetRecord } from '../domain/records.js';
import type { CredentialCipher } from './credential-cipher.js';
import { isUniqueViolation } from './database-errors.js';
import type { Database, TargetTable } from './database-schema.js';
import { DescriptorMemo } from './descriptor-memo.js';

/** Fields of a new target. */
export interface NewTarget {
  /** Its name within the organisation. */
  readonly id: string;
  readonly organizationId: string;
  readonly displayName: string;
  readonly kind: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Secret; stored encrypted. */
  readonly credentials?: Readonly<Record<string, unknown>>;
}

/** A change to a target; absent fields stay as they are. */
export interface TargetChanges {
  readonly displayName?: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly credentials?: Readonly<Record<string, unknown>>;
}

/**
 * Targets, with credentials encrypted at rest. A target is named by its organisation and its id; each row also has
 * a key of its own ({@link TargetRecord.key}) that connectors are resolved by.
 */
export interface TargetStore {
  /** ALREADY_EXISTS when the organisation has a target of that id (another organisation's never counts). */
  create(target: NewTarget): Promise<TargetRecord>;
  get(organizationId: string, id: string): Promise<TargetRecord | undefined>;
  /** The targets named `id` in any of these organisations. */
  find(id: string, organizationIds: readonly string[]): Promise<TargetRecord[]>;
  /** Targets of these organisations, ordered by organisation, then id. */
  listForOrganizations(organizationIds: readonly string[]): Promise<TargetRecord[]>;
  update(organizationId: string, id: string, changes: TargetChanges): Promise<TargetRecord>;
  /** Whether a target was deleted. */
  delete(organizationId: string, id: string): Promise<boolean>;
  /**
   * The connector descriptor of the target with this key, credentials decrypted under `config.credentials`;
   * undefined if unknown. Read from the database on every call; deeply frozen, and the same object again while the
   * row is unchanged.
   */
  descriptor(key: string): Promise<StoredTarget | undefined>;
}

function toRecord(row: Selectable<TargetTable>): TargetRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    key: row.key,
    displayName: row.display_name,
    kind: row.kind,
    config: JSON.parse(row.config) as Record<string, unknown>,
    hasCredentials: row.credentials !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A new row key: "t_" and 128 random bits. Ids never contain "_", so no key equals a key kept from an old id. */
function newTargetKey(): string {
  return `t_${randomBytes(16).toString('hex')}`;
}

/** A {@link TargetStore} on the server's database, encrypting credentials with `cipher`. */
export function createTargetStore(db: Kysely<Database>, cipher: CredentialCipher): TargetStore {
  const descriptors = new DescriptorMemo();
  // Credentials are bound to the row's key: a ciphertext copied to another row does not decrypt there.
  const seal = (key: string, credentials: Readonly<Record<string, unknown>>) =>
    cipher.encrypt(JSON.stringify(credentials), `target:${key}`);

  async function get(organizationId: string, id: string) {
    const row = await db
      .selectFrom('targets')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  return {
    async create(target) {
      const now = new Date().toISOString();
      const key = newTargetKey();
      const exists = () => new AlreadyExistsError(`target ${target.id} already exists`);
      if (await get(target.organizationId, target.id)) throw exists();
      await db
        .insertInto('targets')
        .values({
          organization_id: target.organizationId,
          id: target.id,
          key,
          display_name: target.displayName,
          kind: target.kind,
          config: JSON.stringify(target.config),
          credentials: target.credentials ? seal(key, target.credentials) : null,
          created_at: now,
          updated_at: now,
        })
        .execute()
        .catch((error: unknown) => {
          // Another replica created it between the check and the insert.
          if (isUniqueViolation(error)) throw exists();
          throw error;
        });
      return (await get(target.organizationId, target.id))!;
    },
    get,
    async find(id, organizationIds) {
      if (organizationIds.length === 0) return [];
      const rows = await db
        .selectFrom('targets')
        .selectAll()
        .where('id', '=', id)
        .where('organization_id', 'in', organizationIds)
        .orderBy('organization_id')
        .execute();
      return rows.map(toRecord);
    },
    async listForOrganizations(organizationIds) {
      if (organizationIds.length === 0) return [];
      const rows = await db
        .selectFrom('targets')
        .selectAll()
        .where('organization_id', 'in', organizationIds)
        .orderBy('organization_id')
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },
    async update(organizationId, id, changes) {
      const current = await get(organizationId, id);
      if (!current) throw new NotFoundError(`target ${id} not found`);
      const result = await db
        .updateTable('targets')
        .set({
          updated_at: new Date().toISOString(),
          ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
          ...(changes.config === undefined ? {} : { config: JSON.stringify(changes.config) }),
          ...(changes.credentials === undefined
            ? {}
            : { credentials: seal(current.key, changes.credentials) }),
        })
        .where('key', '=', current.key)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError(`target ${id} not found`);
      return (await get(organizationId, id))!;
    },
    async delete(organizationId, id) {
      const current = await get(organizationId, id);
      if (!current) return false;
      const result = await db.deleteFrom('targets').where('key', '=', current.key).executeTakeFirst();
      descriptors.forget(current.key);
      return result.numDeletedRows > 0n;
    },
    async descriptor(key) {
      const row = await db
        .selectFrom('targets')
        .select(['key', 'kind', 'config', 'credentials'])
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) {
        descriptors.forget(key);
        return undefined;
      }
      return descriptors.get(row, () => {
        const config = JSON.parse(row.config) as Record<string, unknown>;
        if (row.credentials !== null) {
          config.credentials = JSON.parse(cipher.decrypt(row.credentials, `target:${key}`)) as unknown;
        }
        return { id: row.key, kind: row.kind, config };
      });
    },
  };
}
