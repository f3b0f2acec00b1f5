import { randomUUID } from 'node:crypto';
import type { AuthIdentity } from '../auth/permissions.js';
import type { FakeEnv } from '../fake-env.js';
import { splitList } from '../params/formats.js';
import { bool, int, required, str } from '../params/param-spec.js';
import { fail, permissionDenied } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import type { UserState } from '../state/access-state.js';

const USERID = required(str({ format: 'pve-userid', maxLength: 64 }));
const TOKENID = required(str({ pattern: '[A-Za-z][A-Za-z0-9\\.\\-_]+' }));

/** PVE's error for a failed write of `user.cfg` (`create user failed: error during cfs-locked ...`). */
const cfsFail = (op: string, what: string) =>
  fail(`${op} failed: error during cfs-locked 'file-user_cfg' operation: ${what}`);

/** Whether the caller may manage a user (itself, or `User.Modify` on `/access/groups`). */
function mayManage(env: FakeEnv, who: AuthIdentity, userid: string): boolean {
  return who.userid === userid || env.perms.has(who, '/access/groups', 'User.Modify');
}

function userOf(ctx: RouteContext): UserState {
  const userid = String(ctx.params.userid);
  if (!mayManage(ctx.env, ctx.who, userid)) throw permissionDenied('/access/groups', 'User.Modify');
  const user = ctx.env.access.users.get(userid);
  if (!user) throw fail(`no such user ('${userid}')`);
  return user;
}

function listUsers(ctx: RouteContext): unknown[] {
  const env = ctx.env;
  const all =
    env.perms.has(ctx.who, '/access/groups', 'User.Modify') ||
    env.perms.has(ctx.who, '/access/groups', 'Sys.Audit');
  return [...env.access.users.values()]
    .filter((u) => all || u.userid === ctx.who.userid)
    .filter((u) => ctx.params.enabled === undefined || u.enable === ctx.params.enabled)
    .map((u) => {
      const out: Record<string, unknown> = { userid: u.userid, enable: u.enable ? 1 : 0, expire: u.expire };
      for (const k of ['firstname', 'lastname', 'email', 'comment'] as const)
        if (u[k] !== undefined) out[k] = u[k];
      if (u.groups.size > 0) out.groups = [...u.groups].join(',');
      out['realm-type'] = u.userid.split('@')[1] === 'pam' ? 'pam' : 'pve';
      if (ctx.params.full === true) out.tokens = [...u.tokens.values()].map((t) => tokenInfo(t, true));
      return out;
    });
}

function createUser(ctx: RouteContext): null {
  const p = ctx.params;
  const userid = String(p.userid);
  const realm = userid.split('@')[1];
  ctx.env.perms.check(ctx.who, `/access/realm/${realm}`, ['Realm.AllocateUser']);
  if (ctx.env.access.users.has(userid)) throw cfsFail('create user', `user '${userid}' already exists`);
  ctx.env.access.users.set(userid, {
    userid,
    password: typeof p.password === 'string' ? p.password : undefined,
    enable: p.enable !== false,
    expire: Number(p.expire ?? 0),
    firstname: p.firstname as string | undefined,
    lastname: p.lastname as string | undefined,
    email: p.email as string | undefined,
    comment: p.comment as string | undefined,
    groups: new Set(typeof p.groups === 'string' ? splitList(p.groups) : []),
    tokens: new Map(),
  });
  return null;
}

function tokenInfo(
  t: { tokenid: string; privsep: boolean; expire: number; comment?: string },
  withId = false,
) {
  const out: Record<string, unknown> = { privsep: t.privsep ? 1 : 0, expire: t.expire };
  if (t.comment !== undefined) out.comment = t.comment;
  return withId ? { tokenid: t.tokenid, ...out } : out;
}

function createToken(ctx: RouteContext): Record<string, unknown> {
  const user = userOf(ctx);
  const tokenid = String(ctx.params.tokenid);
  if (user.tokens.has(tokenid)) throw fail(`Token already exists.`);
  const token = {
    tokenid,
    secret: randomUUID(),
    privsep: ctx.params.privsep !== false,
    expire: Number(ctx.params.expire ?? user.expire),
    comment: ctx.params.comment as string | undefined,
  };
  user.tokens.set(tokenid, token);
  const info: Record<string, unknown> = { privsep: token.privsep ? 1 : 0 };
  if (token.expire !== 0) info.expire = token.expire;
  if (token.comment !== undefined) info.comment = token.comment;
  return { 'full-tokenid': `${user.userid}!${tokenid}`, info, value: token.secret };
}

function putAcl(ctx: RouteContext): null {
  const env = ctx.env;
  const p = ctx.params;
  const path = String(p.path);
  env.perms.check(ctx.who, path, ['Permissions.Modify']);
  const roles = splitList(String(p.roles));
  for (const r of roles) if (!env.access.roles.has(r)) throw fail(`role '${r}' does not exist`);
  const subjects: { type: 'user' | 'group' | 'token'; ugid: string }[] = [];
  for (const u of typeof p.users === 'string' ? splitList(p.users) : []) {
    if (!env.access.users.has(u)) throw fail(`user '${u}' does not exist`);
    subjects.push({ type: 'user', ugid: u });
  }
  for (const g of typeof p.groups === 'string' ? splitList(p.groups) : []) {
    if (!env.access.groups.has(g)) throw fail(`group '${g}' does not exist`);
    subjects.push({ type: 'group', ugid: g });
  }
  for (const t of typeof p.tokens === 'string' ? splitList(p.tokens) : []) {
    const [u = '', id = ''] = t.split('!');
    if (!env.access.users.get(u)?.tokens.has(id)) throw fail(`no such token '${id}' for user '${u}'`);
    subjects.push({ type: 'token', ugid: t });
  }
  for (const roleid of roles) {
    for (const s of subjects) {
      if (p.delete === true) env.access.removeAcl({ path, roleid, ...s });
      else env.access.setAcl({ path, roleid, ...s, propagate: p.propagate !== false });
    }
  }
  return null;
}

/** Users, API tokens, groups, roles and ACL routes under `/access`. */
export function accessAdminRoutes(): RouteDef[] {
  const tokenPath = '/access/users/{userid}/token/{tokenid}';
  return [
    route('GET', '/access/users', { enabled: bool(), full: bool() }, listUsers),
    route(
      'POST',
      '/access/users',
      {
        userid: USERID,
        password: str({ minLength: 8, maxLength: 64 }),
        comment: str({ maxLength: 2048 }),
        email: str({ maxLength: 254 }),
        enable: bool(),
        expire: int({ minimum: 0 }),
        firstname: str({ maxLength: 1024 }),
        lastname: str({ maxLength: 1024 }),
        groups: str(),
      },
      createUser,
    ),
    route('GET', '/access/users/{userid}/token', { userid: USERID }, (ctx) =>
      [...userOf(ctx).tokens.values()].map((t) => tokenInfo(t, true)),
    ),
    route('GET', tokenPath, { userid: USERID, tokenid: TOKENID }, (ctx) => {
      const t = userOf(ctx).tokens.get(String(ctx.params.tokenid));
      if (!t) throw fail(`no such token '${ctx.params.tokenid}' for user '${ctx.params.userid}'`);
      return tokenInfo(t);
    }),
    route(
      'POST',
      tokenPath,
      { userid: USERID, tokenid: TOKENID, comment: str(), expire: int({ minimum: 0 }), privsep: bool() },
      createToken,
    ),
    route('DELETE', tokenPath, { userid: USERID, tokenid: TOKENID }, (ctx) => {
      const user = userOf(ctx);
      const id = String(ctx.params.tokenid);
      if (!user.tokens.delete(id)) throw fail(`no such token '${id}' for user '${user.userid}'`);
      for (const e of [...ctx.env.access.acl])
        if (e.type === 'token' && e.ugid === `${user.userid}!${id}`) ctx.env.access.removeAcl(e);
      return null;
    }),
    route('GET', '/access/groups', {}, (ctx) =>
      [...ctx.env.access.groups.entries()].map(([groupid, g]) => ({
        groupid,
        ...(g.comment !== undefined ? { comment: g.comment } : {}),
        users: [...ctx.env.access.users.values()]
          .filter((u) => u.groups.has(groupid))
          .map((u) => u.userid)
          .join(','),
      })),
    ),
    route('POST', '/access/groups', { groupid: required(str()), comment: str() }, (ctx) => {
      ctx.env.perms.check(ctx.who, '/access/groups', ['Group.Allocate']);
      const id = String(ctx.params.groupid);
      if (ctx.env.access.groups.has(id)) throw cfsFail('create group', `group '${id}' already exists`);
      ctx.env.access.groups.set(id, { comment: ctx.params.comment as string | undefined });
      return null;
    }),
    route('GET', '/access/roles', {}, (ctx) =>
      [...ctx.env.access.roles.entries()].map(([roleid, privs]) => ({
        roleid,
        privs: [...privs].join(','),
        special: 1,
      })),
    ),
    route('GET', '/access/acl', {}, (ctx) =>
      ctx.env.access.acl
        .filter((e) => ctx.env.perms.has(ctx.who, e.path, 'Permissions.Modify'))
        .map((e) => ({
          path: e.path,
          roleid: e.roleid,
          type: e.type,
          ugid: e.ugid,
          propagate: e.propagate ? 1 : 0,
        })),
    ),
    route(
      'PUT',
      '/access/acl',
      {
        path: required(str()),
        roles: required(str()),
        users: str(),
        groups: str(),
        tokens: str(),
        propagate: bool(),
        delete: bool(),
      },
      putAcl,
    ),
  ];
}
