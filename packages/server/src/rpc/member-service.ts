import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import type { MemberService, Role as RoleEnum } from '@hvc/client/v1';
import { InvalidArgumentError, NotFoundError, parseInput } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import { enforce } from '../authz/enforce.js';
import type { Role } from '../domain/roles.js';
import { claimIdempotencyKey } from '../interceptors/idempotency-interceptor.js';
import { accountOf, noteAudit, principalOf, subjectOf } from '../interceptors/request-context.js';
import { memberToProto, roleFromProto } from '../wire/proto-mapping.js';
import { OrganizationIdSchema } from '../wire/request-ids.js';
import { actorOf } from './access.js';
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

/**
 * The member service: an organisation's admins list, invite, re-role, disable and remove its members, each call
 * touching that organisation's memberships only; a user lists and accepts their own invitations.
 */
export function createMemberService(deps: ServiceDeps): ServiceImpl<typeof MemberService> {
  const { store, authorizer } = deps;

  /** The organisation of the request, after checking that the caller administers it. */
  async function administer(ctx: HandlerContext, requested: string) {
    const principal = await principalOf(ctx);
    const organizationId = await organizationFor(store.members, principal, requested);
    await enforce(authorizer, subjectOf(principal), 'manage', { type: 'organization', id: organizationId });
    noteAudit(ctx, { organizationId });
    await claimIdempotencyKey(ctx, organizationId, actorOf(principal));
    return { organizationId, principal };
  }

  /** The member a call is about, in the caller's organisation: NOT_FOUND for anyone else, wherever they are. */
  async function memberOf(ctx: HandlerContext, organizationId: string, userId: string) {
    noteAudit(ctx, { memberId: userId });
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
      // Always an invitation, and the answer is this membership alone: the same whether or not the identity is
      // known elsewhere, so an invitation tells nothing about other organisations' users.
      const member = await store.members.addMember({
        organizationId,
        role,
        status: 'invited',
        ...parsed.data,
      });
      noteAudit(ctx, { memberId: member.user.id });
      return { member: memberToProto(member) };
    },
    async updateMemberRole(req, ctx) {
      const role = roleOf(req.role);
      const { organizationId } = await administer(ctx, req.organizationId);
      await memberOf(ctx, organizationId, req.userId);
      return { member: memberToProto(await store.members.setRole(organizationId, req.userId, role)) };
    },
    async disableMember(req, ctx) {
      const { organizationId } = await administer(ctx, req.organizationId);
      await memberOf(ctx, organizationId, req.userId);
      return { member: memberToProto(await store.members.setDisabled(organizationId, req.userId, true)) };
    },
    async removeMember(req, ctx) {
      const { organizationId } = await administer(ctx, req.organizationId);
      await memberOf(ctx, organizationId, req.userId);
      await store.members.removeMember(organizationId, req.userId);
      return {};
    },
    async listInvitations(_req, ctx) {
      const account = await accountOf(ctx);
      return { invitations: (await store.members.invitationsOf(account.id)).map(memberToProto) };
    },
    async acceptInvitation(req, ctx) {
      const organizationId = parseInput(OrganizationIdSchema, req.organizationId, 'organization_id');
      noteAudit(ctx, { organizationId });
      const account = await accountOf(ctx);
      noteAudit(ctx, { memberId: account.id });
      await claimIdempotencyKey(ctx, organizationId, `user:${account.id}`);
      return { member: memberToProto(await store.members.acceptInvitation(organizationId, account.id)) };
    },
  };
}
