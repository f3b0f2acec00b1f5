import type { UserRecord } from '../domain/records.js';
import type { Role } from '../domain/roles.js';
import type { MemberStore } from '../storage/member-store.js';
import { ReadCache, type ReadCacheOptions } from '../storage/read-cache.js';

/** The reads an {@link IamContext} makes to load the caller. */
export type PrincipalReads = Pick<MemberStore, 'findUserByIdentity' | 'membershipsOf'>;

/**
 * `members`' reads of the caller (the user by `(issuer, subject)`, their active memberships) reused for a short
 * time (see {@link ReadCache}); each key is the caller's own identity or user id. A user's removal, disabling
 * or role change made through this process's store applies to the next request.
 */
export function cachedPrincipalReads(members: PrincipalReads, options: ReadCacheOptions): PrincipalReads {
  const users = new ReadCache<UserRecord | undefined>(options);
  const memberships = new ReadCache<Array<{ organizationId: string; role: Role }>>(options);
  return {
    findUserByIdentity: (issuer, subject) =>
      users.get(JSON.stringify([issuer, subject]), () => members.findUserByIdentity(issuer, subject)),
    membershipsOf: (userId) => memberships.get(userId, () => members.membershipsOf(userId)),
  };
}
