import type { StoredTarget, TargetRecord } from '../domain/records.js';
import { ReadCache, type ReadCacheOptions } from './read-cache.js';
import type { TargetStore } from './target-store.js';

/**
 * `targets` with its lookups of one target reused for a short time (see {@link ReadCache}): `get` by
 * organisation and id, `find` by id and the caller's organisations, `descriptor` by the target's own key. A
 * target created, changed or deleted through this process's store is seen by the next request; through another
 * replica, within the TTL. Listings and writes go to `targets` as they are.
 */
export function cachedTargetReads(targets: TargetStore, options: ReadCacheOptions): TargetStore {
  const byName = new ReadCache<TargetRecord | undefined>(options);
  const found = new ReadCache<TargetRecord[]>(options);
  const descriptors = new ReadCache<StoredTarget | undefined>(options);
  return {
    ...targets,
    get: (organizationId, id) =>
      byName.get(JSON.stringify([organizationId, id]), () => targets.get(organizationId, id)),
    find: (id, organizationIds) =>
      found.get(JSON.stringify([id, organizationIds]), () => targets.find(id, organizationIds)),
    descriptor: (key) => descriptors.get(key, () => targets.descriptor(key)),
  };
}
