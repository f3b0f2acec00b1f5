import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, ConflictError, NotFoundError } from '@hvc/hypervisor-connector';
import type { Kysely, Selectable } from 'kysely';
import type { MemberRecord, MembershipStatus, OrganizationRecord, UserRecord } from '../domain/records.js';
import { isRole, type Role } from '../domain/roles.js';
import { isUniqueViolation } from './database-errors.js';
import type { Database, MembershipTable, UserTable } from './database-schema.js';
import { runTransaction } from './run-transaction.js';

/**
 * Organisations, users and memberships. A user row is an identity only; everything an organisation says about a
 * user lives in that organisation's membership, and every change here touches one organisation's membership.
 */
export interface MemberStore {
  createOrganization(input: { id: string; displayName: string }): Promise<OrganizationRecord>;
  getOrganization(id: string): Promise<OrganizationRecord | undefined>;
  /** The user with this OIDC identity, or undefined. */
  findUserByIdentity(issuer: string, subject: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /**
   * Adds the user when new (by issuer and subject) and gives them a membership with `role`, `email` and
   * `displayName` as given, `active` unless `status` says `invited`. ALREADY_EXISTS when they already have a
   * membership (or an invitation) in the organisation.
   */
  addMember(input: {
    organizationId: string;
    issuer: string;
    subject: string;
    email?: string;
    displayName?: string;
    role: Role;
    status?: MembershipStatus;
  }): Promise<MemberRecord>;
  listMembers(organizationId: string): Promise<MemberRecord[]>;
  getMember(organizationId: string, userId: string): Promise<MemberRecord | undefined>;
  /** Changes a role; CONFLICT when it would leave the organisation without an enabled admin. */
  setRole(organizationId: string, userId: string, role: Role): Promise<MemberRecord>;
  /** Disables or enables a membership; CONFLICT when it would leave the organisation without an enabled admin. */
  setDisabled(organizationId: string, userId: string, disabled: boolean): Promise<MemberRecord>;
  /** Ends a membership or withdraws an invitation; CONFLICT when it would leave no enabled admin. */
  removeMember(organizationId: string, userId: string): Promise<void>;
  /** Accepts the user's invitation to the organisation; NOT_FOUND when there is none pending. */
  acceptInvitation(organizationId: string, userId: string): Promise<MemberRecord>;
  /** The user's pending invitations. */
  invitationsOf(userId: string): Promise<MemberRecord[]>;
  /** The organisations the user acts in (accepted and enabled memberships), with the role in each. */
  membershipsOf(userId: string): Promise<Array<{ organizationId: string; role: Role }>>;
}

function toUser(row: Selectable<UserTable>): UserRecord {
  return { id: row.id, issuer: row.issuer, subject: row.subject, createdAt: row.created_at };
}

function toRole(value: string): Role {
  if (!isRole(value)) throw new Error(`the database holds an unknown role`);
  return value;
}

function toMember(
  row: Selectable<UserTable> & Omit<Selectable<MembershipTable>, 'created_at'>,
): MemberRecord {
  return {
    user: toUser(row),
    organizationId: row.organization_id,
    role: toRole(row.role),
    email: row.email,
    displayName: row.display_name,
    disabled: row.disabled === 1,
    status: row.status === 'active' ? 'active' : 'invited',
  };
}

const LAST_ADMIN = () =>
  new ConflictError('an organisation keeps at least one enabled admin', { retryable: false });

/** A {@link MemberStore} on the server's database. */
export function createMemberStore(db: Kysely<Database>): MemberStore {
  function members(trx: Kysely<Database>) {
    return trx
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .selectAll('users')
      .select([
        'memberships.organization_id',
        'memberships.user_id',
        'memberships.role',
        'memberships.email',
        'memberships.display_name',
        'memberships.disabled',
        'memberships.status',
      ]);
  }

  async function member(organizationId: string, userId: string, trx: Kysely<Database> = db) {
    const row = await members(trx)
      .where('memberships.organization_id', '=', organizationId)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
    return row && toMember(row);
  }

  async function memberOrThrow(organizationId: string, userId: string) {
    const found = await member(organizationId, userId);
    if (!found) throw new NotFoundError('no such member');
    return found;
  }

  /** Whether taking `userId`'s admin rights in the organisation away would leave it without an enabled admin. */
  async function isLastAdmin(trx: Kysely<Database>, current: MemberRecord): Promise<boolean> {
    if (current.role !== 'admin' || current.status !== 'active' || current.disabled) return false;
    const row = await trx
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', current.organizationId)
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .where('disabled', '=', 0)
      .where('user_id', '!=', current.user.id)
      .executeTakeFirstOrThrow();
    return Number(row.n) === 0;
  }

  /** Runs `change` on the current membership in one transaction, refusing it when it removes the last admin. */
  async function changeMember(
    organizationId: string,
    userId: string,
    removesAdmin: (current: MemberRecord) => boolean,
    change: (trx: Kysely<Database>) => Promise<unknown>,
  ): Promise<void> {
    await runTransaction(db, async (trx) => {
      const current = await member(organizationId, userId, trx);
      if (!current) throw new NotFoundError('no such member');
      if (removesAdmin(current) && (await isLastAdmin(trx, current))) throw LAST_ADMIN();
      await change(trx);
    });
  }

  const thisMembership = (trx: Kysely<Database>, organizationId: string, userId: string) =>
    trx
      .updateTable('memberships')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId);

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
      const added = await runTransaction(db, async (trx) => {
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
          user = { id: randomUUID(), issuer: input.issuer, subject: input.subject, created_at: now };
          await trx.insertInto('users').values(user).execute();
        }
        const existing = await trx
          .selectFrom('memberships')
          .select('role')
          .where('user_id', '=', user.id)
          .where('organization_id', '=', input.organizationId)
          .executeTakeFirst();
        if (existing) throw new AlreadyExistsError('that user is already a member or invited');
        await trx
          .insertInto('memberships')
          .values({
            user_id: user.id,
            organization_id: input.organizationId,
            role: input.role,
            email: input.email ?? '',
            display_name: input.displayName ?? '',
            disabled: 0,
            status: input.status ?? 'active',
            created_at: now,
          })
          .execute();
        return user.id;
      });
      return (await member(input.organizationId, added))!;
    },
    async listMembers(organizationId) {
      const rows = await members(db)
        .where('memberships.organization_id', '=', organizationId)
        .orderBy('memberships.created_at')
        .orderBy('users.id')
        .execute();
      return rows.map(toMember);
    },
    getMember: (organizationId, userId) => member(organizationId, userId),
    async setRole(organizationId, userId, role) {
      await changeMember(
        organizationId,
        userId,
        () => role !== 'admin',
        (trx) => thisMembership(trx, organizationId, userId).set({ role }).execute(),
      );
      return memberOrThrow(organizationId, userId);
    },
    async setDisabled(organizationId, userId, disabled) {
      await changeMember(
        organizationId,
        userId,
        () => disabled,
        (trx) =>
          thisMembership(trx, organizationId, userId)
            .set({ disabled: disabled ? 1 : 0 })
            .execute(),
      );
      return memberOrThrow(organizationId, userId);
    },
    async removeMember(organizationId, userId) {
      await changeMember(
        organizationId,
        userId,
        () => true,
        (trx) =>
          trx
            .deleteFrom('memberships')
            .where('organization_id', '=', organizationId)
            .where('user_id', '=', userId)
            .execute(),
      );
    },
    async acceptInvitation(organizationId, userId) {
      const result = await thisMembership(db, organizationId, userId)
        .where('status', '=', 'invited')
        .set({ status: 'active' })
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError(`no invitation to ${organizationId}`);
      return memberOrThrow(organizationId, userId);
    },
    async invitationsOf(userId) {
      const rows = await members(db)
        .where('memberships.user_id', '=', userId)
        .where('memberships.status', '=', 'invited')
        .orderBy('memberships.organization_id')
        .execute();
      return rows.map(toMember);
    },
    async membershipsOf(userId) {
      const rows = await db
        .selectFrom('memberships')
        .select(['organization_id', 'role'])
        .where('user_id', '=', userId)
        .where('status', '=', 'active')
        .where('disabled', '=', 0)
        .orderBy('organization_id')
        .execute();
      return rows.map((row) => ({ organizationId: row.organization_id, role: toRole(row.role) }));
    },
  };
}
