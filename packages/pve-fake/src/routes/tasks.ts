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

/** Whether a caller may see a task: its own (same user, also through tokens) or `priv` on the path. */
export function canSeeTask(
  env: FakeEnv,
  who: AuthIdentity,
  t: TaskRecord,
  path: string,
  priv = 'Sys.Audit',
): boolean {
  return t.authid.split('!')[0] === who.userid || env.perms.has(who, path, priv);
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

function list(ctx: RouteContext): Envelope {
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  const p = ctx.params;
  const source = String(p.source ?? 'archive');
  const statusFilter = typeof p.statusfilter === 'string' ? new Set(splitList(p.statusfilter)) : undefined;
  const kind = (t: TaskRecord): string =>
    t.exitstatus === 'OK'
      ? 'ok'
      : t.exitstatus?.startsWith('WARNINGS')
        ? 'warning'
        : t.exitstatus
          ? 'error'
          : 'unknown';
  const tasks = [...ctx.env.tasks.tasks.values()]
    .filter((t) => t.node === node)
    .filter((t) =>
      source === 'archive' ? t.status === 'stopped' : source === 'active' ? t.status === 'running' : true,
    )
    .filter((t) => canSeeTask(ctx.env, ctx.who, t, `/nodes/${node}`))
    .filter((t) => p.errors !== true || (t.status === 'stopped' && kind(t) !== 'ok'))
    .filter((t) => p.vmid === undefined || t.id === String(p.vmid))
    .filter((t) => typeof p.typefilter !== 'string' || t.type === p.typefilter)
    .filter((t) => typeof p.userfilter !== 'string' || t.authid.includes(p.userfilter))
    .filter((t) => !statusFilter || (t.status === 'stopped' && statusFilter.has(kind(t))))
    .filter((t) => p.since === undefined || t.starttime >= Number(p.since))
    .filter((t) => p.until === undefined || t.starttime <= Number(p.until))
    .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid);
  const start = Number(p.start ?? 0);
  const limit = Number(p.limit ?? 50);
  return new Envelope(tasks.slice(start, start + limit).map(taskListItem), { total: tasks.length });
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
        statusfilter: str(),
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
