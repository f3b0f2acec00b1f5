import { InvalidArgumentError, NotFoundError, parseInput } from '@hvc/hypervisor-connector';
import type { Principal } from '../authn/iam-context.js';
import type { MemberStore } from '../storage/member-store.js';
import { OrganizationIdSchema } from '../wire/request-ids.js';

/**
 * The organisation a request is about: the one it names, or, when it names none, the caller's only organisation.
 * INVALID_ARGUMENT when the caller belongs to several and named none.
 */
export async function organizationFor(
  members: MemberStore,
  principal: Principal,
  requested: string,
): Promise<string> {
  if (requested !== '') return parseInput(OrganizationIdSchema, requested, 'organization_id');
  if (principal.kind === 'service') return principal.organizationId;
  const memberships = await members.membershipsOf(principal.id);
  if (memberships.length === 1) return memberships[0]!.organizationId;
  if (memberships.length === 0) throw new NotFoundError('you belong to no organisation');
  throw new InvalidArgumentError('organization_id is required: you belong to several organisations', {
    violations: [{ field: 'organization_id', message: 'required when you belong to several organisations' }],
  });
}
