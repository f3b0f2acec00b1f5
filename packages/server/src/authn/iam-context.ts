import { PermissionDeniedError } from '@hvc/hypervisor-connector';
import type { UserRecord } from '../domain/records.js';
import type { Role } from '../domain/roles.js';
import type { MemberStore } from '../storage/member-store.js';
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
   * The acting principal, read from the database once per request: a user by `(iss, sub)`, or a service token.
   * PERMISSION_DENIED for an unknown or disabled user, so a change applies to the very next request.
   */
  user(): Promise<Principal>;
}

/** An {@link IamContext} for one request carrying `token`. */
export function createIamContext(token: string, verifier: TokenVerifier, members: MemberStore): IamContext {
  let identity: Promise<VerifiedIdentity> | undefined;
  let principal: Promise<Principal> | undefined;
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
        const user = await members.findUserByIdentity(id.issuer, id.subject);
        if (!user) throw new PermissionDeniedError('this identity is not a member of any organisation');
        if (user.disabled) throw new PermissionDeniedError('this user is disabled');
        return { kind: 'user', id: user.id, user };
      })();
      return principal;
    },
  };
  return context;
}
