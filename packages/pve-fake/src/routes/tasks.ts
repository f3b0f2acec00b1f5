import { tryParseUpid } from '@hvc/hypervisor-connector-proxmox';
import type { AuthIdentity } from '../auth/permissions.js';
import type { FakeEnv } from '../fake-env.js';
import { splitList } from '../params/formats.js';
import { bool, int, nodeParam, required, str, vmidParam } from '../params/param-spec.js';
import { paramError, permissionDenied } from '../pve-error.js';
import { Envelope, type RouteContext, type RouteDef, route } from '../router/route.js';
import type { TaskRecord } from '../state/task-runner.js';

/** The fields of a task shared by status and list entries (`user` without the token, `tokenid` apart). */
function taskFields(t: TaskRecord): Record<string, unknown> {
  const [user, tokenid] = t.authid.split('!');
  const out: Record<string, unknown> = {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user,
  };
  if (tokenid !== undefined) out.tokenid = tokenid;
  return out;
}

/** A task list item (`/nodes/{node}/tasks`, `/cluster/tasks`). */
export function taskListItem(t: TaskRecord): Record<string, unknown> {
  const out = taskFields(t);
  if (t.status === 'stopped') {
    out.endtime = t.endtime;
    out.status = t.exitstatus;
  } else out.status = 'RUNNING';
  return out;
}

/**
 * Whether a caller owns a task as a node's task calls judge it (pve-manager `PVE/API2/Tasks.pm` `$check_task_user`):
 * a user owns its own tasks and its tokens' tasks, a token only the tasks it started itself.
 */
function ownsNodeTask(who: AuthIdentity, t: TaskRecord): boolean {
  return who.authid === t.authid || who.authid === t.authid.split('!')[0];
}

/** Whether a caller may see a node's task: it owns it ({@link ownsNodeTask}) or holds `priv` on `path`. */
function canSeeTask(
  env: FakeEnv,
  who: AuthIdentity,
  t: TaskRecord,
  path: string,
  priv = 'Sys.Audit',
): boolean {
  return ownsNodeTask(who, t) || env.perms.has(who, path, priv);
}

function findTask(ctx: RouteContext, priv = 'Sys.Audit'): TaskRecord {
  const upid = String(ctx.params.upid);
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  const parsed = tryParseUpid(upid);
  if (!parsed) throw paramError({ upid: 'unable to parse worker upid' });
  const task = ctx.env.tasks.tasks.get(upid);
  if (!task || task.node !== node) throw paramError({ upid: 'no such task' });
  if (!canSeeTask(ctx.env, ctx.who, task, `/nodes/${node}`, priv))
    throw permissionDenied(`/nodes/${node}`, priv);
  return task;
}

function status(ctx: RouteContext): Record<string, unknown> {
  const t = findTask(ctx);
  const out = { ...taskFields(t), status: t.status };
  return t.status === 'stopped' ? { ...out, exitstatus: t.exitstatus } : out;
}

function log(ctx: RouteContext): Envelope {
  const t = findTask(ctx);
  const lines = t.log.length > 0 ? t.log : t.status === 'running' ? [] : ['no content'];
  const start = Number(ctx.params.start ?? 0);
  const limit = Number(ctx.params.limit ?? 50);
  const slice = lines.slice(start, limit === 0 ? undefined : start + limit);
  const data = slice.map((text, i) => ({ n: start + i + 1, t: text }));
  return new Envelope(data.length > 0 || t.status === 'stopped' ? data : [{ n: 1, t: 'no content' }], {
    total: lines.length,
  });
}

/**
 * The kind of a task's exit status, as `statusfilter` and `errors` see it (pve-common `src/PVE/UPID.pm`
 * `normalize_status_type`): `ok`, `warning` (`WARNINGS: n`), `error`, and `unknown` for a running task (it has no
 * status yet when `node_tasks` filters it) or `unexpected status`.
 */
function statusType(t: TaskRecord): string {
  const exit = t.status === 'stopped' ? t.exitstatus : undefined;
  if (!exit || exit === 'unexpected status') return 'unknown';
  if (exit === 'OK') return 'ok';
  return /^WARNINGS: \d+$/.test(exit) ? 'warning' : 'error';
}

/**
 * A running task as `node_tasks` reads it from the node's active file: Tasks.pm splits the token off archive lines
 * only (`$convert_token_task`), so here `user` is the whole `user@realm!token` id, without `tokenid`, and it is this
 * whole id that `userfilter` and the owner check see: a user does not own its tokens' running tasks in this list.
 */
function activeListItem(t: TaskRecord): Record<string, unknown> {
  const { tokenid: _tokenid, ...item } = taskFields(t);
  return { ...item, user: t.authid, status: 'RUNNING' };
}

/** A task as `node_tasks` lists it, with the user `userfilter` sees and whether the caller owns it there. */
interface NodeListEntry {
  readonly task: TaskRecord;
  readonly user: string;
  readonly owned: boolean;
  readonly item: () => Record<string, unknown>;
}

/**
 * `GET /nodes/{node}/tasks` as pve-manager `PVE/API2/Tasks.pm` `node_tasks` answers it: `source` `active` (the running
 * tasks, oldest first, as the active file lists them, each `RUNNING`; see {@link activeListItem}), `archive` (the
 * default: the ended ones, newest end first, as the index is read backwards, each with its `endtime` and exit
 * `status`) or `all` (the active ones first); then `userfilter` (part of the user, any case), what the caller may
 * see (the tasks it owns, all of them with `Sys.Audit` on the node), `typefilter`, `vmid`, `since` and `until` (on
 * the start time), `statusfilter` (kinds of exit status; ignored with `errors`), `errors` (all but `ok`); `start`
 * skips that many matches and `limit` (default 50) caps the rest, while `total` counts every match.
 */
function list(ctx: RouteContext): Envelope {
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  const p = ctx.params;
  const source = String(p.source ?? 'archive');
  const errors = p.errors === true;
  const kinds =
    typeof p.statusfilter === 'string' && !errors
      ? new Set(splitList(p.statusfilter).map((kind) => kind.toLowerCase()))
      : new Set(errors ? ['warning', 'error', 'unknown'] : ['ok', 'warning', 'error', 'unknown']);
  const userfilter = typeof p.userfilter === 'string' ? p.userfilter.toLowerCase() : undefined;
  const auditor = ctx.env.perms.has(ctx.who, `/nodes/${node}`, 'Sys.Audit');
  const onNode = [...ctx.env.tasks.tasks.values()].filter((t) => t.node === node);
  const active: NodeListEntry[] =
    source === 'archive'
      ? []
      : onNode
          .filter((t) => t.status === 'running')
          .map((task) => ({
            task,
            user: task.authid,
            owned: ctx.who.authid === task.authid,
            item: () => activeListItem(task),
          }));
  const archived: NodeListEntry[] =
    source === 'active'
      ? []
      : onNode
          .filter((t) => t.status === 'stopped')
          .sort((a, b) => (b.endtime ?? 0) - (a.endtime ?? 0) || b.starttime - a.starttime || b.pid - a.pid)
          .map((task) => ({
            task,
            user: task.authid.split('!')[0] ?? '',
            owned: ownsNodeTask(ctx.who, task),
            item: () => taskListItem(task),
          }));
  const entries = [...active, ...archived]
    .filter((e) => userfilter === undefined || e.user.toLowerCase().includes(userfilter))
    .filter((e) => auditor || e.owned)
    .filter(({ task: t }) => typeof p.typefilter !== 'string' || t.type === p.typefilter)
    .filter(({ task: t }) => p.vmid === undefined || t.id === String(p.vmid))
    .filter(({ task: t }) => p.since === undefined || t.starttime >= Number(p.since))
    .filter(({ task: t }) => p.until === undefined || t.starttime <= Number(p.until))
    .filter(({ task: t }) => kinds.has(statusType(t)));
  const start = Number(p.start ?? 0);
  const limit = Number(p.limit ?? 50);
  return new Envelope(
    entries.slice(start, start + limit).map((e) => e.item()),
    { total: entries.length },
  );
}

/** Task routes: list, status, log, stop. */
export function taskRoutes(): RouteDef[] {
  const upidParams = { node: nodeParam, upid: required(str()) };
  return [
    route(
      'GET',
      '/nodes/{node}/tasks',
      {
        node: nodeParam,
        errors: bool(),
        limit: int({ minimum: 0 }),
        start: int({ minimum: 0 }),
        since: int(),
        until: int(),
        source: str({ enum: ['archive', 'active', 'all'] }),
        statusfilter: str({ format: 'pve-task-status-type-list' }),
        typefilter: str(),
        userfilter: str(),
        vmid: vmidParam,
      },
      list,
    ),
    route('GET', '/nodes/{node}/tasks/{upid}', upidParams, (ctx) => {
      findTask(ctx);
      return [{ name: 'log' }, { name: 'status' }];
    }),
    route('GET', '/nodes/{node}/tasks/{upid}/status', upidParams, status),
    route(
      'GET',
      '/nodes/{node}/tasks/{upid}/log',
      { ...upidParams, start: int({ minimum: 0 }), limit: int({ minimum: 0 }), download: bool() },
      log,
    ),
    route('DELETE', '/nodes/{node}/tasks/{upid}', upidParams, (ctx) => {
      const t = findTask(ctx, 'Sys.Modify');
      ctx.env.tasks.kill(t.upid);
      return null;
    }),
  ];
}
