import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, ConflictError, NotFoundError } from '@hvc/hypervisor-connector';
import type { Kysely, Selectable } from 'kysely';
import type { MemberRecord, OrganizationRecord, UserRecord } from '../domain/records.js';
import { isRole, type Role } from '../domain/roles.js';
import { isUniqueViolation } from './database-errors.js';
import type { Database, UserTable } from './database-schema.js';
import { runTransaction } from './run-transaction.js';

/** Organisations, users and memberships. */
export interface MemberStore {
  createOrganization(input: { id: string; displayName: string }): Promise<OrganizationRecord>;
  getOrganization(id: string): Promise<OrganizationRecord | undefined>;
  /** The user with this OIDC identity, or undefined. */
  findUserByIdentity(issuer: string, subject: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Adds the user when new (by issuer and subject) and makes them a member with `role`. ALREADY_EXISTS if a member. */
  addMember(input: {
    organizationId: string;
    issuer: string;
    subject: string;
    email?: string;
    displayName?: string;
    role: Role;
  }): Promise<MemberRecord>;
  listMembers(organizationId: string): Promise<MemberRecord[]>;
  getMember(organizationId: string, userId: string): Promise<MemberRecord | undefined>;
  /** Changes a role; CONFLICT when it would leave the organisation without an enabled admin. */
  setRole(organizationId: string, userId: string, role: Role): Promise<MemberRecord>;
  /** Disables or enables a user everywhere; CONFLICT when it would leave an organisation without an enabled admin. */
  setDisabled(userId: string, disabled: boolean): Promise<UserRecord>;
  /** The organisations the user belongs to, with the role in each. */
  membershipsOf(userId: string): Promise<Array<{ organizationId: string; role: Role }>>;
}

function toUser(row: Selectable<UserTable>): UserRecord {
  return {
    id: row.id,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    displayName: row.display_name,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
  };
}

function toRole(value: string): Role {
  if (!isRole(value)) throw new Error(`the database holds an unknown role`);
  return value;
}

/** A {@link MemberStore} on the server's database. */
export function createMemberStore(db: Kysely<Database>): MemberStore {
  async function member(organizationId: string, userId: string): Promise<MemberRecord | undefined> {
    const row = await db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .selectAll('users')
      .select(['memberships.role', 'memberships.organization_id'])
      .where('memberships.organization_id', '=', organizationId)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
    return row && { user: toUser(row), organizationId: row.organization_id, role: toRole(row.role) };
  }

  async function enabledAdminsOtherThan(trx: Kysely<Database>, organizationId: string, userId: string) {
    const row = await trx
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('memberships.organization_id', '=', organizationId)
      .where('memberships.role', '=', 'admin')
      .where('users.disabled', '=', 0)
      .where('users.id', '!=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  return {
    async createOrganization({ id, displayName }) {
      const record = { id, display_name: displayName, created_at: new Date().toISOString() };
      const existing = await db
        .selectFrom('organizations')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (existing) throw new AlreadyExistsError(`organisation ${id} already exists`);
      await db
        .insertInto('organizations')
        .values(record)
        .execute()
        .catch((error: unknown) => {
          // Another replica created it between the check and the insert.
          if (isUniqueViolation(error)) throw new AlreadyExistsError(`organisation ${id} already exists`);
          throw error;
        });
      return { id, displayName, createdAt: record.created_at };
    },
    async getOrganization(id) {
      const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
      return row && { id: row.id, displayName: row.display_name, createdAt: row.created_at };
    },
    async findUserByIdentity(issuer, subject) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('issuer', '=', issuer)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return row && toUser(row);
    },
    async getUser(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },
    async addMember(input) {
      return runTransaction(db, async (trx) => {
        const org = await trx
          .selectFrom('organizations')
          .select('id')
          .where('id', '=', input.organizationId)
          .executeTakeFirst();
        if (!org) throw new NotFoundError(`organisation ${input.organizationId} not found`);
        const now = new Date().toISOString();
        let user = await trx
          .selectFrom('users')
          .selectAll()
          .where('issuer', '=', input.issuer)
          .where('subject', '=', input.subject)
          .executeTakeFirst();
        if (!user) {
          user = {
            id: randomUUID(),
            issuer: input.issuer,
            subject: input.subject,
            email: input.email ?? '',
            display_name: input.displayName ?? '',
            disabled: 0,
            created_at: now,
          };
          await trx.insertInto('users').values(user).execute();
        }
        const existing = await trx
          .selectFrom('memberships')
          .select('role')
          .where('user_id', '=', user.id)
          .where('organization_id', '=', input.organizationId)
          .executeTakeFirst();
        if (existing) throw new AlreadyExistsError('that user is already a member');
        await trx
          .insertInto('memberships')
          .values({
            user_id: user.id,
            organization_id: input.organizationId,
            role: input.role,
            created_at: now,
          })
          .execute();
        return { user: toUser(user), organizationId: input.organizationId, role: input.role };
      });
    },
    async listMembers(organizationId) {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .selectAll('users')
        .select(['memberships.role', 'memberships.organization_id'])
        .where('memberships.organization_id', '=', organizationId)
        .orderBy('users.created_at')
        .orderBy('users.id')
        .execute();
      return rows.map((row) => ({
        user: toUser(row),
        organizationId: row.organization_id,
        role: toRole(row.role),
      }));
    },
    getMember: member,
    async setRole(organizationId, userId, role) {
      await runTransaction(db, async (trx) => {
        const current = await trx
          .selectFrom('memberships')
          .select('role')
          .where('organization_id', '=', organizationId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (!current) throw new NotFoundError('no such member');
        if (
          current.role === 'admin' &&
          role !== 'admin' &&
          (await enabledAdminsOtherThan(trx, organizationId, userId)) === 0
        ) {
          throw new ConflictError('an organisation keeps at least one enabled admin', { retryable: false });
        }
        await trx
          .updateTable('memberships')
          .set({ role })
          .where('organization_id', '=', organizationId)
          .where('user_id', '=', userId)
          .execute();
      });
      const updated = await member(organizationId, userId);
      if (!updated) throw new NotFoundError('no such member');
      return updated;
    },
    async setDisabled(userId, disabled) {
      await runTransaction(db, async (trx) => {
        const user = await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
        if (!user) throw new NotFoundError('no such user');
        if (disabled) {
          const adminOf = await trx
            .selectFrom('memberships')
            .select('organization_id')
            .where('user_id', '=', userId)
            .where('role', '=', 'admin')
            .execute();
          for (const { organization_id } of adminOf) {
            if ((await enabledAdminsOtherThan(trx, organization_id, userId)) === 0) {
              throw new ConflictError('an organisation keeps at least one enabled admin', {
                retryable: false,
              });
            }
          }
        }
        await trx
          .updateTable('users')
          .set({ disabled: disabled ? 1 : 0 })
          .where('id', '=', userId)
          .execute();
      });
      const user = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      return toUser(user);
    },
    async membershipsOf(userId) {
      const rows = await db
        .selectFrom('memberships')
        .select(['organization_id', 'role'])
        .where('user_id', '=', userId)
        .orderBy('organization_id')
        .execute();
      return rows.map((row) => ({ organizationId: row.organization_id, role: toRole(row.role) }));
    },
  };
}
