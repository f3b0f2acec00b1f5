import { PermissionDeniedError } from '@hvc/hypervisor-connector';
import type { UserRecord } from '../domain/records.js';
import type { Role } from '../domain/roles.js';
import type { PrincipalReads } from './cached-principal-reads.js';
import type { TokenVerifier, VerifiedIdentity } from './identity.js';

/** The caller a request acts for, as the database says now. */
export type Principal =
  | { readonly kind: 'user'; readonly id: string; readonly user: UserRecord }
  | { readonly kind: 'service'; readonly id: string; readonly organizationId: string; readonly role: Role };

/** Per-request identity and access: lazily verified, then loaded from the database. */
export interface IamContext {
  /** The verified identity of the bearer token: verified on the first call, then remembered for the request. */
  identity(): Promise<VerifiedIdentity>;
  /**
   * The acting principal, read from `members` once per request: a user by `(iss, sub)`, or a service token.
   * PERMISSION_DENIED for an unknown user and for one with no accepted, enabled membership (invited only, or
   * disabled everywhere). The server reads through {@link cachedPrincipalReads}: a change made through its store
   * applies to the very next request, one made by another replica within the access cache's TTL.
   */
  user(): Promise<Principal>;
  /**
   * The caller's user row whether or not they are an active member anywhere, for answering their own invitations.
   * PERMISSION_DENIED for an unknown user and for a service token (which is never invited).
   */
  account(): Promise<UserRecord>;
}

/** An {@link IamContext} for one request carrying `token`. */
export function createIamContext(
  token: string,
  verifier: TokenVerifier,
  members: PrincipalReads,
): IamContext {
  let identity: Promise<VerifiedIdentity> | undefined;
  let principal: Promise<Principal> | undefined;
  let account: Promise<UserRecord> | undefined;
  const context: IamContext = {
    identity() {
      identity ??= verifier.verify(token);
      return identity;
    },
    user() {
      principal ??= (async (): Promise<Principal> => {
        const id = await context.identity();
        if (id.kind === 'service') {
          return { kind: 'service', id: id.tokenId, organizationId: id.organizationId, role: id.role };
        }
        const user = await context.account();
        if ((await members.membershipsOf(user.id)).length === 0) {
          throw new PermissionDeniedError('this user is not an active member of any organisation');
        }
        return { kind: 'user', id: user.id, user };
      })();
      return principal;
    },
    account() {
      account ??= (async (): Promise<UserRecord> => {
        const id = await context.identity();
        if (id.kind === 'service') throw new PermissionDeniedError('a service token has no invitations');
        const user = await members.findUserByIdentity(id.issuer, id.subject);
        if (!user) throw new PermissionDeniedError('this identity is not a member of any organisation');
        return user;
      })();
      return account;
    },
  };
  return context;
}
