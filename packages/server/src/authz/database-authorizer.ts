import { type Kysely, sql } from 'kysely';
import { isRole, roleRank } from '../domain/roles.js';
import type { Database } from '../storage/database-schema.js';
import type { Authorizer, CheckResult, Permission, ResourceRef, SubjectRef } from './authorizer.js';
import { MINIMUM_ROLE } from './authorizer.js';

/** A target's name in `listAllowed`: its organisation and id. */
function targetName(organizationId: string, id: string): string {
  return `${organizationId}/${id}`;
}

/**
 * The {@link Authorizer} on the server's database: a resource's organisation is read from its row (never from the
 * request), the subject's role there from its membership (users) or its token's scope (service tokens).
 */
export function createDatabaseAuthorizer(db: Kysely<Database>): Authorizer {
  async function organizationOf(resource: ResourceRef): Promise<string | undefined> {
    if (resource.type === 'organization') {
      const row = await db
        .selectFrom('organizations')
        .select('id')
        .where('id', '=', resource.id)
        .executeTakeFirst();
      return row?.id;
    }
    const targetId = resource.type === 'target' ? resource.id : resource.targetId;
    const row = await db
      .selectFrom('targets')
      .select('organization_id')
      .where('organization_id', '=', resource.organizationId)
      .where('id', '=', targetId)
      .executeTakeFirst();
    return row?.organization_id;
  }

  /** The subject's role in each organisation where it acts: accepted, enabled memberships only. */
  async function rolesOf(subject: SubjectRef): Promise<Map<string, number>> {
    const rows =
      subject.type === 'user'
        ? await db
            .selectFrom('memberships')
            .select(['organization_id', 'role'])
            .where('user_id', '=', subject.id)
            .where('status', '=', 'active')
            .where('disabled', '=', 0)
            .execute()
        : await db
            .selectFrom('service_tokens')
            .select(['organization_id', 'role'])
            .where('id', '=', subject.id)
            .where('disabled', '=', 0)
            .execute();
    return new Map(
      rows.flatMap((r) => (isRole(r.role) ? [[r.organization_id, roleRank(r.role)] as const] : [])),
    );
  }

  async function check(
    subject: SubjectRef,
    permission: Permission,
    resource: ResourceRef,
  ): Promise<CheckResult> {
    const organizationId = await organizationOf(resource);
    if (organizationId === undefined) return { allowed: false, reason: 'not_found' };
    const rank = (await rolesOf(subject)).get(organizationId);
    if (rank === undefined) return { allowed: false, reason: 'not_found' };
    if (rank < roleRank(MINIMUM_ROLE[permission]))
      return { allowed: false, reason: 'insufficient_role', organizationId };
    return { allowed: true, organizationId };
  }

  return {
    check,
    async checkMany(subject, items) {
      return Promise.all(items.map((item) => check(subject, item.permission, item.resource)));
    },
    async listAllowed(subject, permission, type, options = {}) {
      const min = roleRank(MINIMUM_ROLE[permission]);
      const orgs = [...(await rolesOf(subject))].filter(([, rank]) => rank >= min).map(([org]) => org);
      if (orgs.length === 0) return { ids: [] };
      const limit = Math.max(1, Math.min(options.limit ?? 1000, 1000));
      let ids: string[];
      let more: boolean;
      if (type === 'organization') {
        const rows = await db
          .selectFrom('organizations')
          .select('id')
          .where('id', 'in', orgs)
          .$if(options.cursor !== undefined, (q) => q.where('id', '>', options.cursor!))
          .orderBy('id')
          .limit(limit + 1)
          .execute();
        ids = rows.slice(0, limit).map((r) => r.id);
        more = rows.length > limit;
      } else {
        const after = options.cursor === undefined ? undefined : splitTargetName(options.cursor);
        const rows = await db
          .selectFrom('targets')
          .select(['organization_id', 'id'])
          .where('organization_id', 'in', orgs)
          .$if(after !== undefined, (q) =>
            q.where(sql<boolean>`(organization_id, id) > (${after![0]}, ${after![1]})`),
          )
          .orderBy('organization_id')
          .orderBy('id')
          .limit(limit + 1)
          .execute();
        ids = rows.slice(0, limit).map((r) => targetName(r.organization_id, r.id));
        more = rows.length > limit;
      }
      return more ? { ids, cursor: ids[ids.length - 1]! } : { ids };
    },
  };
}

/** The organisation and id of a target name; an organisation id never holds "/". */
function splitTargetName(name: string): readonly [string, string] {
  const slash = name.indexOf('/');
  return slash < 0 ? [name, ''] : [name.slice(0, slash), name.slice(slash + 1)];
}
