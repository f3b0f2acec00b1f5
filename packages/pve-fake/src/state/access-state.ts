/** An API token of a user. */
export interface TokenState {
  readonly tokenid: string;
  readonly secret: string;
  readonly privsep: boolean;
  /** Epoch seconds; 0 = never. */
  readonly expire: number;
  readonly comment?: string;
}

/** A PVE user (`user@realm`). */
export interface UserState {
  readonly userid: string;
  password?: string;
  enable: boolean;
  /** Epoch seconds; 0 = never. */
  expire: number;
  firstname?: string;
  lastname?: string;
  email?: string;
  comment?: string;
  readonly groups: Set<string>;
  readonly tokens: Map<string, TokenState>;
  /** TOTP code a login must add as second factor (`totp:<code>`), if set. */
  totp?: string;
}

/** One ACL entry (`PUT /access/acl`). */
export interface AclEntry {
  readonly path: string;
  readonly roleid: string;
  readonly type: 'user' | 'group' | 'token';
  /** User id, group id or full token id (`user@realm!tokenid`). */
  readonly ugid: string;
  readonly propagate: boolean;
}

/** Users, groups, tokens, roles and ACLs. */
export class AccessState {
  readonly users = new Map<string, UserState>();
  readonly groups = new Map<string, { comment?: string }>();
  readonly acl: AclEntry[] = [];
  /** Authentication realms (`/access/domains`). */
  readonly realms = new Map<string, { readonly type: string; readonly comment?: string }>([
    ['pam', { type: 'pam', comment: 'Linux PAM standard authentication' }],
    ['pve', { type: 'pve', comment: 'Proxmox VE authentication server' }],
  ]);

  constructor(readonly roles: Map<string, ReadonlySet<string>>) {}

  /** Adds or replaces an ACL entry (same path, role, type and subject). */
  setAcl(entry: AclEntry): void {
    this.removeAcl(entry);
    this.acl.push(entry);
  }

  /** Removes an ACL entry. */
  removeAcl(entry: Omit<AclEntry, 'propagate'>): void {
    const i = this.acl.findIndex(
      (a) =>
        a.path === entry.path && a.roleid === entry.roleid && a.type === entry.type && a.ugid === entry.ugid,
    );
    if (i >= 0) this.acl.splice(i, 1);
  }
}
