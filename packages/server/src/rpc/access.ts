import type { HandlerContext } from '@connectrpc/connect';
import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import type { Principal } from '../authn/iam-context.js';
import type { Permission } from '../authz/authorizer.js';
import { enforce } from '../authz/enforce.js';
import type { TargetRecord } from '../domain/records.js';
import { claimIdempotencyKey } from '../interceptors/idempotency-interceptor.js';
import { noteAudit, principalOf, subjectOf } from '../interceptors/request-context.js';
import { parseGuestId, parseTargetId } from '../wire/request-ids.js';
import type { ServiceDeps } from './service-deps.js';
import { locateTarget } from './target-scope.js';

/** What a request names a target by: its id, and its organisation when the caller's organisations share the id. */
export interface TargetName {
  readonly targetId: string;
  readonly organizationId: string;
}

/** A target the caller was allowed to act on. */
export interface TargetGrant {
  readonly principal: Principal;
  readonly target: TargetRecord;
}

/** A target the caller was allowed to act on, with its connector. */
export interface TargetAccess extends TargetGrant {
  readonly targetId: string;
  readonly organizationId: string;
  readonly connector: HypervisorConnector;
}

/**
 * Validates the target id, finds the target among the caller's organisations and checks `permission` on it
 * (NOT_FOUND for another organisation's, exactly as for one that does not exist). No connector is resolved.
 */
export async function grantTarget(
  deps: ServiceDeps,
  ctx: HandlerContext,
  permission: Permission,
  name: TargetName,
): Promise<TargetGrant> {
  const targetId = parseTargetId(name.targetId);
  noteAudit(ctx, { targetId });
  const principal = await principalOf(ctx);
  const target = await locateTarget(deps, principal, targetId, name.organizationId);
  await enforce(deps.authorizer, subjectOf(principal), permission, {
    type: 'target',
    organizationId: target.organizationId,
    id: targetId,
  });
  noteAudit(ctx, { organizationId: target.organizationId });
  await claimIdempotencyKey(ctx, target.organizationId, actorOf(principal));
  return { principal, target };
}

/** Like {@link grantTarget}, then resolves the target's connector. */
export async function accessTarget(
  deps: ServiceDeps,
  ctx: HandlerContext,
  permission: Permission,
  name: TargetName,
): Promise<TargetAccess> {
  const { principal, target } = await grantTarget(deps, ctx, permission, name);
  const connector = await deps.resolver.resolve(target.key, { signal: ctx.signal });
  return { principal, target, targetId: target.id, organizationId: target.organizationId, connector };
}

/** Like {@link accessTarget}, for one guest of the target; the guest id is validated first. */
export async function accessGuest(
  deps: ServiceDeps,
  ctx: HandlerContext,
  permission: Permission,
  name: TargetName & { readonly guestId: string },
): Promise<TargetAccess & { readonly guestId: string }> {
  const targetId = parseTargetId(name.targetId);
  const guestId = parseGuestId(name.guestId);
  noteAudit(ctx, { targetId, guestId });
  const principal = await principalOf(ctx);
  const target = await locateTarget(deps, principal, targetId, name.organizationId);
  await enforce(deps.authorizer, subjectOf(principal), permission, {
    type: 'guest',
    organizationId: target.organizationId,
    targetId,
    id: guestId,
  });
  noteAudit(ctx, { organizationId: target.organizationId });
  await claimIdempotencyKey(ctx, target.organizationId, actorOf(principal));
  const connector = await deps.resolver.resolve(target.key, { signal: ctx.signal });
  return { principal, target, targetId, organizationId: target.organizationId, connector, guestId };
}

/** Who a call acts as, for idempotency keys: the same key from another principal is another request. */
export function actorOf(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}
