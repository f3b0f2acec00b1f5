import { NotFoundError, PermissionDeniedError } from '@hvc/hypervisor-connector';
import type { Authorizer, Permission, ResourceRef, SubjectRef } from './authorizer.js';

function describe(resource: ResourceRef): string {
  if (resource.type === 'guest') return `guest ${resource.id} of target ${resource.targetId}`;
  return `${resource.type} ${resource.id}`;
}

/**
 * Checks one permission and throws when it is missing: NOT_FOUND when the resource is unknown or another
 * organisation's (its existence does not leak), PERMISSION_DENIED when the role is too low. Resolves with the
 * owning organisation's id.
 */
export async function enforce(
  authorizer: Authorizer,
  subject: SubjectRef,
  permission: Permission,
  resource: ResourceRef,
): Promise<string> {
  const result = await authorizer.check(subject, permission, resource);
  if (result.allowed && result.organizationId !== undefined) return result.organizationId;
  if (result.reason === 'insufficient_role') {
    throw new PermissionDeniedError(`your role does not allow "${permission}" on ${describe(resource)}`);
  }
  throw new NotFoundError(`${describe(resource)} not found`);
}
