import type { HandlerContext } from '@connectrpc/connect';
import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import type { Principal } from '../authn/iam-context.js';
import type { Permission } from '../authz/authorizer.js';
import { enforce } from '../authz/enforce.js';
import { noteAudit, principalOf, subjectOf } from '../interceptors/request-context.js';
import { parseGuestId, parseTargetId } from '../wire/request-ids.js';
import type { ServiceDeps } from './service-deps.js';

/** A target the caller was allowed to act on, with its connector. */
export interface TargetAccess {
  readonly principal: Principal;
  readonly targetId: string;
  readonly organizationId: string;
  readonly connector: HypervisorConnector;
}

/**
 * Validates the target id, checks `permission` on the target (NOT_FOUND for another organisation's) and resolves
 * its connector.
 */
export async function accessTarget(
  deps: ServiceDeps,
  ctx: HandlerContext,
  permission: Permission,
  rawTargetId: string,
): Promise<TargetAccess> {
  const targetId = parseTargetId(rawTargetId);
  noteAudit(ctx, { targetId });
  const principal = await principalOf(ctx);
  const organizationId = await enforce(deps.authorizer, subjectOf(principal), permission, {
    type: 'target',
    id: targetId,
  });
  noteAudit(ctx, { organizationId });
  const connector = await deps.resolver.resolve(targetId, { signal: ctx.signal });
  return { principal, targetId, organizationId, connector };
}

/** Like {@link accessTarget}, for one guest of the target; the guest id is validated first. */
export async function accessGuest(
  deps: ServiceDeps,
  ctx: HandlerContext,
  permission: Permission,
  rawTargetId: string,
  rawGuestId: string,
): Promise<TargetAccess & { readonly guestId: string }> {
  const targetId = parseTargetId(rawTargetId);
  const guestId = parseGuestId(rawGuestId);
  noteAudit(ctx, { targetId, guestId });
  const principal = await principalOf(ctx);
  const organizationId = await enforce(deps.authorizer, subjectOf(principal), permission, {
    type: 'guest',
    id: guestId,
    targetId,
  });
  noteAudit(ctx, { organizationId });
  const connector = await deps.resolver.resolve(targetId, { signal: ctx.signal });
  return { principal, targetId, organizationId, connector, guestId };
}
