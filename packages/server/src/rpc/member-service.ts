import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import type { MemberService, Role as RoleEnum } from '@hvc/client/v1';
import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import { enforce } from '../authz/enforce.js';
import type { Role } from '../domain/roles.js';
import { noteAudit, principalOf, subjectOf } from '../interceptors/request-context.js';
import { memberToProto, roleFromProto } from '../wire/proto-mapping.js';
import { organizationFor } from './organization-scope.js';
import type { ServiceDeps } from './service-deps.js';

const IdentitySchema = z.strictObject({
  issuer: z.string().url('not a URL').max(512),
  subject: z.string().min(1, 'required').max(256),
  email: z.string().max(320),
  displayName: z.string().max(200),
});

function roleOf(value: RoleEnum): Role {
  const role = roleFromProto(value);
  if (!role)
    throw new InvalidArgumentError('role is required', {
      violations: [{ field: 'role', message: 'required' }],
    });
  return role;
}

/** The member service: an organisation's admins list, invite, re-role and disable its members. */
export function createMemberService(deps: ServiceDeps): ServiceImpl<typeof MemberService> {
  const { store, authorizer } = deps;

  /** The organisation of the request, after checking that the caller administers it. */
  async function administer(ctx: HandlerContext, requested: string) {
    const principal = await principalOf(ctx);
    const organizationId = await organizationFor(store.members, principal, requested);
    await enforce(authorizer, subjectOf(principal), 'manage', { type: 'organization', id: organizationId });
    noteAudit(ctx, { organizationId });
    return { organizationId, principal };
  }

  async function memberOf(organizationId: string, userId: string) {
    const member = await store.members.getMember(organizationId, userId);
    if (!member) throw new NotFoundError('no such member');
    return member;
  }

  return {
    async listMembers(req, ctx) {
      const { organizationId } = await administer(ctx, req.organizationId);
      return { members: (await store.members.listMembers(organizationId)).map(memberToProto) };
    },
    async inviteMember(req, ctx) {
      const role = roleOf(req.role);
      const parsed = IdentitySchema.safeParse({
        issuer: req.issuer,
        subject: req.subject,
        email: req.email,
        displayName: req.displayName,
      });
      if (!parsed.success) {
        const violations = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
        throw new InvalidArgumentError('invalid member', { violations });
      }
      const { organizationId } = await administer(ctx, req.organizationId);
      const member = await store.members.addMember({ organizationId, role, ...parsed.data });
      return { member: memberToProto(member) };
    },
    async updateMemberRole(req, ctx) {
      const role = roleOf(req.role);
      const { organizationId } = await administer(ctx, req.organizationId);
      await memberOf(organizationId, req.userId);
      return { member: memberToProto(await store.members.setRole(organizationId, req.userId, role)) };
    },
    async disableMember(req, ctx) {
      const { organizationId, principal } = await administer(ctx, req.organizationId);
      await memberOf(organizationId, req.userId);
      // Disabling locks the user out everywhere, so it takes an admin of every organisation they belong to.
      for (const { organizationId: other } of await store.members.membershipsOf(req.userId)) {
        if (other === organizationId) continue;
        const check = await authorizer.check(subjectOf(principal), 'manage', {
          type: 'organization',
          id: other,
        });
        if (!check.allowed)
          throw new PermissionDeniedError(
            'this user also belongs to an organisation you do not administer; change their role instead',
          );
      }
      await store.members.setDisabled(req.userId, true);
      return { member: memberToProto(await memberOf(organizationId, req.userId)) };
    },
  };
}
