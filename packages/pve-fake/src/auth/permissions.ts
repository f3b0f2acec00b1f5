import { permissionDenied } from '../pve-error.js';
import type { AccessState } from '../state/access-state.js';
import type { ClusterState } from '../state/cluster-state.js';
import { allPrivileges } from './privileges.js';

/** Who is calling: a user through a ticket, or one of its API tokens. */
export interface AuthIdentity {
  readonly userid: string;
  readonly tokenid?: string;
  /** `user@realm` or `user@realm!tokenid` (what UPIDs and task lists show). */
  readonly authid: string;
  readonly via: 'ticket' | 'token';
}

/** The ACL path chain PVE evaluates for a path: `/vms/100` → `/`, `/vms`, `/vms/100`. */
function pathChain(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const chain = ['/'];
  for (let i = 1; i <= parts.length; i++) chain.push(`/${parts.slice(0, i).join('/')}`);
  return chain;
}

/** Evaluates privileges the way PVE does: more specific ACL paths override, pools feed their members. */
export class PermissionEvaluator {
  constructor(
    private readonly access: AccessState,
    private readonly cluster: ClusterState,
    private readonly pveVersion: 8 | 9,
  ) {}

  /** Privileges of a subject set (user + groups, or one token) on a path, from ACLs alone. */
  private aclPrivileges(subjects: (e: { type: string; ugid: string }) => boolean, path: string): Set<string> {
    let result = new Set<string>();
    const chain = pathChain(path);
    const vm = /^\/vms\/(\d+)$/.exec(path);
    const pool = vm ? this.cluster.guests.get(Number(vm[1]))?.pool : undefined;
    if (pool) result = this.aclPrivileges(subjects, `/pool/${pool}`);
    chain.forEach((p, i) => {
      const last = i === chain.length - 1;
      const entries = this.access.acl.filter((e) => e.path === p && subjects(e) && (last || e.propagate));
      if (entries.length === 0) return;
      result = new Set(entries.flatMap((e) => [...(this.access.roles.get(e.roleid) ?? [])]));
    });
    return result;
  }

  /** Effective privileges of an identity on a path (root@pam has all; privsep tokens intersect with the user). */
  privileges(authid: string, path: string): Set<string> {
    const [userid = '', tokenid] = authid.split('!');
    const user = this.access.users.get(userid);
    if (!user?.enable) return new Set();
    const token = tokenid === undefined ? undefined : user.tokens.get(tokenid);
    if (tokenid !== undefined && !token) return new Set();
    const userPrivs =
      userid === 'root@pam'
        ? new Set(allPrivileges(this.pveVersion))
        : this.aclPrivileges(
            (e) =>
              (e.type === 'user' && e.ugid === userid) || (e.type === 'group' && user.groups.has(e.ugid)),
            path,
          );
    if (!token?.privsep) return userPrivs;
    const tokenPrivs = this.aclPrivileges((e) => e.type === 'token' && e.ugid === authid, path);
    return new Set([...userPrivs].filter((p) => tokenPrivs.has(p)));
  }

  /** Whether the identity holds a privilege on a path. */
  has(who: AuthIdentity, path: string, priv: string): boolean {
    return this.privileges(who.authid, path).has(priv);
  }

  /**
   * Throws PVE's 403 unless the identity holds all `privs` (or, with `any`, at least one) on `path`.
   */
  check(who: AuthIdentity, path: string, privs: readonly string[], any = false): void {
    const held = this.privileges(who.authid, path);
    if (any) {
      if (!privs.some((p) => held.has(p))) throw permissionDenied(path, privs.join('|'));
      return;
    }
    for (const p of privs) if (!held.has(p)) throw permissionDenied(path, p);
  }
}
