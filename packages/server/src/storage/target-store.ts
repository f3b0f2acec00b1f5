import { AlreadyExistsError, NotFoundError } from '@hvc/hypervisor-connector';
import type { Kysely, Selectable } from 'kysely';
import type { TargetDescriptor, TargetRecord } from '../domain/records.js';
import type { CredentialCipher } from './credential-cipher.js';
import { isUniqueViolation } from './database-errors.js';
import type { Database, TargetTable } from './database-schema.js';
import { DescriptorMemo } from './descriptor-memo.js';

/** Fields of a new target. */
export interface NewTarget {
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

/** Targets, with credentials encrypted at rest. */
export interface TargetStore {
  create(target: NewTarget): Promise<TargetRecord>;
  get(id: string): Promise<TargetRecord | undefined>;
  /** Targets of these organisations, ordered by id. */
  listForOrganizations(organizationIds: readonly string[]): Promise<TargetRecord[]>;
  update(id: string, changes: TargetChanges): Promise<TargetRecord>;
  /** Whether a target was deleted. */
  delete(id: string): Promise<boolean>;
  /**
   * The connector descriptor with decrypted credentials under `config.credentials`; undefined if unknown. Read from
   * the database on every call; deeply frozen, and the same object again while the target's row is unchanged.
   */
  descriptor(id: string): Promise<TargetDescriptor | undefined>;
}

function toRecord(row: Selectable<TargetTable>): TargetRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    displayName: row.display_name,
    kind: row.kind,
    config: JSON.parse(row.config) as Record<string, unknown>,
    hasCredentials: row.credentials !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A {@link TargetStore} on the server's database, encrypting credentials with `cipher`. */
export function createTargetStore(db: Kysely<Database>, cipher: CredentialCipher): TargetStore {
  const descriptors = new DescriptorMemo();
  const seal = (id: string, credentials: Readonly<Record<string, unknown>>) =>
    cipher.encrypt(JSON.stringify(credentials), `target:${id}`);

  async function get(id: string) {
    const row = await db.selectFrom('targets').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  return {
    async create(target) {
      const now = new Date().toISOString();
      if (await get(target.id)) throw new AlreadyExistsError(`target ${target.id} already exists`);
      await db
        .insertInto('targets')
        .values({
          id: target.id,
          organization_id: target.organizationId,
          display_name: target.displayName,
          kind: target.kind,
          config: JSON.stringify(target.config),
          credentials: target.credentials ? seal(target.id, target.credentials) : null,
          created_at: now,
          updated_at: now,
        })
        .execute()
        .catch((error: unknown) => {
          // Another replica created it between the check and the insert.
          if (isUniqueViolation(error)) throw new AlreadyExistsError(`target ${target.id} already exists`);
          throw error;
        });
      return (await get(target.id))!;
    },
    get,
    async listForOrganizations(organizationIds) {
      if (organizationIds.length === 0) return [];
      const rows = await db
        .selectFrom('targets')
        .selectAll()
        .where('organization_id', 'in', organizationIds)
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },
    async update(id, changes) {
      const result = await db
        .updateTable('targets')
        .set({
          updated_at: new Date().toISOString(),
          ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
          ...(changes.config === undefined ? {} : { config: JSON.stringify(changes.config) }),
          ...(changes.credentials === undefined ? {} : { credentials: seal(id, changes.credentials) }),
        })
        .where('id', '=', id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError(`target ${id} not found`);
      return (await get(id))!;
    },
    async delete(id) {
      const result = await db.deleteFrom('targets').where('id', '=', id).executeTakeFirst();
      descriptors.forget(id);
      return result.numDeletedRows > 0n;
    },
    async descriptor(id) {
      const row = await db
        .selectFrom('targets')
        .select(['id', 'kind', 'config', 'credentials'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) {
        descriptors.forget(id);
        return undefined;
      }
      return descriptors.get(row, () => {
        const config = JSON.parse(row.config) as Record<string, unknown>;
        if (row.credentials !== null) {
          config.credentials = JSON.parse(cipher.decrypt(row.credentials, `target:${id}`)) as unknown;
        }
        return { id: row.id, kind: row.kind, config };
      });
    },
  };
}
