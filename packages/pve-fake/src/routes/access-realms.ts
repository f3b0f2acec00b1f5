import { bool, int, required, str } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteDef, route } from '../router/route.js';

const REALM_TYPES = ['ad', 'ldap', 'openid', 'pam', 'pve'];

/** Authentication realms (`/access/domains`) and custom roles (`POST /access/roles`). */
export function realmRoutes(): RouteDef[] {
  return [
    route(
      'GET',
      '/access/domains',
      {},
      (ctx) =>
        [...ctx.env.access.realms].map(([realm, r]) => ({
          realm,
          type: r.type,
          ...(r.comment ? { comment: r.comment } : {}),
        })),
      { access: 'world' },
    ),
    route(
      'POST',
      '/access/domains',
      {
        realm: required(str({ maxLength: 32 })),
        type: required(str({ enum: REALM_TYPES })),
        comment: str({ maxLength: 4096 }),
        default: bool(),
        base_dn: str({ maxLength: 256 }),
        user_attr: str({ maxLength: 256, pattern: '\\S{2,}' }),
        server1: str({ maxLength: 256 }),
        server2: str({ maxLength: 256 }),
        port: int({ minimum: 1, maximum: 65535 }),
        secure: bool(),
        domain: str({ maxLength: 256, pattern: '\\S+' }),
      },
      (ctx) => {
        ctx.env.perms.check(ctx.who, '/access/realm', ['Realm.Allocate']);
        const realm = String(ctx.params.realm);
        if (ctx.env.access.realms.has(realm)) {
          throw fail(
            `add auth server failed: error during cfs-locked 'file-domains_cfg' operation: domain '${realm}' already exists`,
          );
        }
        ctx.env.access.realms.set(realm, {
          type: String(ctx.params.type),
          comment: ctx.params.comment as string | undefined,
        });
        return null;
      },
    ),
    route('POST', '/access/roles', { roleid: required(str()), privs: str() }, (ctx) => {
      ctx.env.perms.check(ctx.who, '/access', ['Sys.Modify']);
      const roleid = String(ctx.params.roleid);
      if (ctx.env.access.roles.has(roleid)) {
        throw fail(
          `create role failed: error during cfs-locked 'file-user_cfg' operation: role '${roleid}' already exists`,
        );
      }
      const privs =
        typeof ctx.params.privs === 'string' ? ctx.params.privs.split(/[,;\s]+/).filter(Boolean) : [];
      ctx.env.access.roles.set(roleid, new Set(privs));
      return null;
    }),
  ];
}
