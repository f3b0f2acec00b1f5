import { str } from '../params/param-spec.js';
import { permissionDenied } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';

const STANDARD_PATHS = ['/', '/access', '/access/groups', '/nodes', '/pool', '/sdn', '/storage', '/vms'];

function permissions(ctx: RouteContext): Record<string, Record<string, 0 | 1>> {
  const env = ctx.env;
  const target = typeof ctx.params.userid === 'string' ? ctx.params.userid : ctx.who.authid;
  const own = target === ctx.who.authid || target.split('!')[0] === ctx.who.userid;
  if (!own && !env.perms.has(ctx.who, '/access', 'Sys.Audit')) throw permissionDenied('/access', 'Sys.Audit');
  const evaluate = (path: string) => {
    const held = env.perms.privileges(target, path);
    return Object.fromEntries([...held].sort().map((p) => [p, 1 as const]));
  };
  if (typeof ctx.params.path === 'string') return { [ctx.params.path]: evaluate(ctx.params.path) };
  const paths = new Set(STANDARD_PATHS);
  for (const e of env.access.acl) paths.add(e.path);
  for (const g of env.cluster.guests.values()) if (g.pool !== undefined) paths.add(`/vms/${g.vmid}`);
  const out: Record<string, Record<string, 0 | 1>> = {};
  for (const path of paths) {
    const privs = evaluate(path);
    if (Object.keys(privs).length > 0) out[path] = privs;
  }
  return out;
}

/** `GET /access/permissions`: effective privileges per path (the way a token learns what it may do). */
export function permissionRoutes(): RouteDef[] {
  return [
    route(
      'GET',
      '/access/permissions',
      {
        path: str(),
        userid: str({
          pattern: '[^\\s:/]+@[A-Za-z][A-Za-z0-9\\.\\-_]+(?:![A-Za-z][A-Za-z0-9\\.\\-_]+)?',
        }),
      },
      permissions,
    ),
  ];
}
