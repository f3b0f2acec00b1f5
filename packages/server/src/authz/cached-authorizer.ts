import { ReadCache, type ReadCacheOptions } from '../storage/read-cache.js';
import type { AllowedPage, Authorizer, CheckResult, ResourceRef, SubjectRef } from './authorizer.js';

function subjectKey(subject: SubjectRef): string {
  return `${subject.type}:${subject.id}`;
}

/**
 * The resource with its organisation: the same target id in two organisations never shares a key. A guest is
 * asked about as its target: a guest belongs to its target and is not stored, so its answer is its target's (one
 * key per target, not one per guest, keeps the hit rate of a fleet's reads).
 */
function resourceKey(resource: ResourceRef): string {
  if (resource.type === 'organization') return `organization:${resource.id}`;
  const targetId = resource.type === 'target' ? resource.id : resource.targetId;
  return `target:${resource.organizationId}/${targetId}`;
}

/**
 * `inner` with its answers reused for `ttlMs` (see {@link ReadCache}): a check by subject, permission and
 * resource (whose key holds its organisation), a listing by subject, permission, type and page. A membership,
 * role, service token or target change made through this process's store applies to the next request; one made
 * by another replica within `ttlMs`.
 */
export function cachedAuthorizer(inner: Authorizer, options: ReadCacheOptions): Authorizer {
  const checks = new ReadCache<CheckResult>(options);
  const listings = new ReadCache<AllowedPage>(options);
  const check: Authorizer['check'] = (subject, permission, resource) =>
    checks.get(`${subjectKey(subject)}|${permission}|${resourceKey(resource)}`, () =>
      inner.check(subject, permission, resource),
    );
  return {
    check,
    checkMany: (subject, items) =>
      Promise.all(items.map((item) => check(subject, item.permission, item.resource))),
    listAllowed: (subject, permission, type, page = {}) =>
      listings.get(
        `${subjectKey(subject)}|${permission}|${type}|${page.limit ?? ''}|${page.cursor ?? ''}`,
        () => inner.listAllowed(subject, permission, type, page),
      ),
  };
}
