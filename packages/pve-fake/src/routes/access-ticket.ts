import { allPrivileges } from '../auth/privileges.js';
import type { FakeEnv } from '../fake-env.js';
import { bool, required, str } from '../params/param-spec.js';
import { PveError } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';

const loginFailed = (): PveError => new PveError(401, 'authentication failure', 'login');

const CAP_CATEGORIES: [string, string, (p: string) => boolean][] = [
  ['vms', '/vms', (p) => p.startsWith('VM.')],
  ['storage', '/storage', (p) => p.startsWith('Datastore.')],
  [
    'access',
    '/access',
    (p) => ['User.Modify', 'Group.Allocate', 'Realm.Allocate', 'Realm.AllocateUser'].includes(p),
  ],
  ['nodes', '/nodes', (p) => p.startsWith('Sys.')],
  ['sdn', '/sdn', (p) => p.startsWith('SDN.')],
  ['dc', '/', (p) => p === 'Sys.Audit' || p.startsWith('SDN.')],
  ['mapping', '/mapping', (p) => p.startsWith('Mapping.')],
];

/** The `cap` object of a login: per category, the privileges held on its root path. */
export function capabilities(env: FakeEnv, userid: string): Record<string, Record<string, 1>> {
  const out: Record<string, Record<string, 1>> = {};
  const all = allPrivileges(env.pveVersion);
  for (const [name, path, wanted] of CAP_CATEGORIES) {
    if (name === 'mapping' && env.pveVersion === 8) continue;
    const held = env.perms.privileges(userid, path);
    const privs = all.filter(
      (p) => held.has(p) && (wanted(p) || (p === 'Permissions.Modify' && name !== 'dc')),
    );
    out[name] = Object.fromEntries(privs.map((p) => [p, 1 as const]));
  }
  return out;
}

function login(ctx: RouteContext): Record<string, unknown> {
  const env = ctx.env;
  const p = ctx.params;
  let userid = String(p.username);
  if (!userid.includes('@') && typeof p.realm === 'string') userid = `${userid}@${p.realm}`;
  const user = env.access.users.get(userid);
  if (!env.authn.userActive(user)) throw loginFailed();
  const password = String(p.password);
  const challenge = p['tfa-challenge'];
  if (typeof challenge === 'string') {
    if (env.tickets.verifyTicket(challenge) !== `!tfa!${userid}` || password !== `totp:${user.totp}`)
      throw loginFailed();
  } else {
    const ticketUser = password.startsWith('PVE:') ? env.tickets.verifyTicket(password) : undefined;
    const renewal = ticketUser !== undefined && (ticketUser === userid || ticketUser === 'root@pam');
    if (!renewal && (user.password === undefined || user.password !== password)) throw loginFailed();
    if (!renewal && user.totp !== undefined) {
      return { username: userid, ticket: env.tickets.issueTicket(`!tfa!${userid}`), NeedTFA: 1 };
    }
  }
  if (typeof p.path === 'string' && typeof p.privs === 'string') {
    env.perms.check(
      { userid, authid: userid, via: 'ticket' },
      p.path,
      p.privs.split(/[,;\s]+/).filter(Boolean),
    );
    return { username: userid };
  }
  const out: Record<string, unknown> = {
    username: userid,
    ticket: env.tickets.issueTicket(userid),
    CSRFPreventionToken: env.tickets.issueCsrfToken(userid),
    cap: capabilities(env, userid),
  };
  if (env.cluster.clusterName !== undefined && env.perms.privileges(userid, '/').has('Sys.Audit')) {
    out.clustername = env.cluster.clusterName;
  }
  return out;
}

/** `POST /access/ticket`: login, renewal with the ticket as password, TFA second step, verify mode. */
export function ticketRoutes(): RouteDef[] {
  return [
    route(
      'POST',
      '/access/ticket',
      {
        username: required(str({ maxLength: 64 })),
        password: required(str()),
        realm: str({ maxLength: 32 }),
        otp: str(),
        'tfa-challenge': str(),
        path: str({ maxLength: 64 }),
        privs: str({ maxLength: 64 }),
        'new-format': bool(),
      },
      login,
      { access: 'world', allowToken: false },
    ),
  ];
}
