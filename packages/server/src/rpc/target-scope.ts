import { InvalidArgumentError, NotFoundError, parseInput } from '@hvc/hypervisor-connector';
import type { Principal } from '../authn/iam-context.js';
import type { TargetRecord } from '../domain/records.js';
import { subjectOf } from '../interceptors/request-context.js';
import { OrganizationIdSchema } from '../wire/request-ids.js';
import type { ServiceDeps } from './service-deps.js';

/**
 * The target a request names. Target ids are names within an organisation, so the target is looked for in the
 * organisation the request names, else among the organisations the caller may see: one match is the target, none
 * is NOT_FOUND, several ask for `organization_id`. Another organisation's targets are never looked at, so whether
 * it uses the same id cannot be told. This finds the target; `enforce` then checks the permission on it.
 */
export async function locateTarget(
  deps: ServiceDeps,
  principal: Principal,
  targetId: string,
  requestedOrganization: string,
): Promise<TargetRecord> {
  const notFound = () => new NotFoundError(`target ${targetId} not found`);
  if (requestedOrganization !== '') {
    const organizationId = parseInput(OrganizationIdSchema, requestedOrganization, 'organization_id');
    const target = await deps.store.targets.get(organizationId, targetId);
    if (!target) throw notFound();
    return target;
  }
  const found = await deps.store.targets.find(targetId, await visibleOrganizations(deps, principal));
  if (found.length === 0) throw notFound();
  if (found.length > 1) {
    throw new InvalidArgumentError(
      `organization_id is required: target ${targetId} exists in several of your organisations`,
      { violations: [{ field: 'organization_id', message: 'required: the target id is used in several' }] },
    );
  }
  return found[0]!;
}

/** The organisations whose targets the caller may see. */
async function visibleOrganizations(deps: ServiceDeps, principal: Principal): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.authorizer.listAllowed(
      subjectOf(principal),
      'view',
      'organization',
      cursor === undefined ? {} : { cursor },
    );
    ids.push(...page.ids);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return ids;
}
