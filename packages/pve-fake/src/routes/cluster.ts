import type { FakeEnv } from '../fake-env.js';
import { str, vmidParam } from '../params/param-spec.js';
import { paramError } from '../pve-error.js';
import { type Envelope, type RouteContext, type RouteDef, route } from '../router/route.js';
import type { PveGuestState } from '../state/model.js';
import type { TaskRecord } from '../state/task-runner.js';
import { nodeSummary, storageSummary } from './node-summaries.js';
import { taskListItem } from './tasks.js';

/** `GET /version`: the version string and PVE's release of the configured major version. */
export function versionInfo(pveVersion: 8 | 9): Record<string, string> {
  return pveVersion === 9
    ? { version: '9.1.1', release: '9.1', repoid: '42ab4fa6c3fdd2b6' }
    : { version: '8.2.4', release: '8.2', repoid: 'faa83925c9641325' };
}

/**
 * A guest's entry as pve-manager `PVE/API2Tools.pm` `extract_vm_stats` builds it: `id`, `vmid`, `node`, `type` and
 * `status: 'unknown'` always; name, status, template, sizes and usage only from pvestatd's RRD row.
 */
export function vmStats(env: FakeEnv, g: PveGuestState): Record<string, unknown> {
  return {
    id: `${g.type}/${g.vmid}`,
    vmid: g.vmid,
    node: g.node,
    type: g.type,
    status: 'unknown',
    ...env.rrd.of(g),
  };
}

/**
 * A guest's `/cluster/resources` entry (pve-manager `PVE/API2/Cluster.pm` `resources`): {@link vmStats}, `lock` and
 * `tags` from the live config (`get_guest_config_properties`), and `pool` from user.cfg — deleted unless the caller
 * has `Pool.Audit` on `/pool/<pool>` (`delete $entry->{pool} if !$rpcenv->check(..., ['Pool.Audit'], 1)`).
 */
function guestResource(ctx: RouteContext, g: PveGuestState): Record<string, unknown> {
  const entry = vmStats(ctx.env, g);
  if (g.config.lock !== undefined) entry.lock = g.config.lock;
  if (g.config.tags !== undefined) entry.tags = g.config.tags;
  if (g.ha !== undefined) entry.hastate = g.ha.managerState;
  if (g.pool !== undefined && ctx.env.perms.has(ctx.who, `/pool/${g.pool}`, 'Pool.Audit'))
    entry.pool = g.pool;
  return entry;
}

function resources(ctx: RouteContext): unknown[] {
  const { cluster, perms } = ctx.env;
  const type = ctx.params.type;
  const out: Record<string, unknown>[] = [];
  if (type === undefined || type === 'node') {
    for (const n of cluster.nodes.values()) out.push(nodeSummary(ctx.env, n));
  }
  if (type === undefined || type === 'vm') {
    ctx.env.rrd.tick();
    for (const g of cluster.guests.values()) {
      if (!perms.has(ctx.who, `/vms/${g.vmid}`, 'VM.Audit')) continue;
      out.push(guestResource(ctx, g));
    }
  }
  if (type === undefined || type === 'storage') {
    for (const n of cluster.nodes.values()) {
      for (const s of cluster.storages.values()) {
        if (!cluster.storageAvailable(n.name, s.id)) continue;
        const path = `/storage/${s.id}`;
        if (
          !perms.has(ctx.who, path, 'Datastore.Audit') &&
          !perms.has(ctx.who, path, 'Datastore.AllocateSpace')
        )
          continue;
        const sum = storageSummary(ctx.env, n.name, s);
        out.push({
          id: `storage/${n.name}/${s.id}`,
          type: 'storage',
          node: n.name,
          storage: s.id,
          status: n.online ? 'available' : 'unknown',
          plugintype: s.type,
          content: sum.content,
          shared: sum.shared,
          disk: sum.used,
          maxdisk: sum.total,
        });
      }
    }
  }
  if (type === undefined) {
    for (const p of cluster.pools.values()) {
      if (!perms.has(ctx.who, `/pool/${p.poolid}`, 'Pool.Audit')) continue;
      out.push({ id: `/pool/${p.poolid}`, type: 'pool', pool: p.poolid });
    }
  }
  return out;
}

function status(ctx: RouteContext): unknown[] {
  ctx.env.perms.check(ctx.who, '/', ['Sys.Audit']);
  const { cluster } = ctx.env;
  const nodes = [...cluster.nodes.values()];
  const out: Record<string, unknown>[] = [];
  if (cluster.clusterName !== undefined) {
    out.push({
      type: 'cluster',
      id: 'cluster',
      name: cluster.clusterName,
      nodes: nodes.length,
      quorate: cluster.quorate ? 1 : 0,
      version: nodes.length,
    });
  }
  nodes.forEach((n, i) => {
    out.push({
      type: 'node',
      id: `node/${n.name}`,
      name: n.name,
      nodeid: n.nodeid,
      ip: n.ip,
      online: n.online ? 1 : 0,
      local: i === 0 ? 1 : 0,
      level: '',
    });
  });
  return out;
}

function nextid(ctx: RouteContext): string {
  const vmid = ctx.params.vmid;
  if (vmid !== undefined) {
    if (ctx.env.cluster.guests.has(Number(vmid))) throw paramError({ vmid: `VM ${vmid} already exists` });
    return String(vmid);
  }
  return String(ctx.env.cluster.nextFreeVmid());
}

/**
 * How many tasks a node keeps in its part of the cluster task index once some have finished: every running task,
 * then the newest finished ones up to this many in all (pve-common `PVE/RESTEnvironment.pm` `active_workers`,
 * `$MAX_FINISHED`). Older tasks are only in the node's own archive (`GET /nodes/{node}/tasks`).
 */
const MAX_INDEXED_TASKS = 25;

/**
 * A node's part of the cluster task index as `active_workers` writes it and pvestatd broadcasts it: its running tasks
 * in the order they started, then its newest finished ones. Its items are decoded UPIDs without `pstart`; a running
 * task's has its `pid` and no `status` (the per-node list's `RUNNING` is Tasks.pm's own), a finished task's has its
 * `endtime` and `status` and no `pid`. Simpler than PVE in three ways: the finished ones are the newest of all the
 * node's tasks, where PVE keeps those still in its active file (a task that dropped out never comes back, so a long
 * task that ends after 24 newer ones may stay listed there); items carry no `saved` flag; and the list is not cut
 * at the 32 KiB a broadcast holds.
 */
function nodeTaskIndex(tasks: readonly TaskRecord[]): Record<string, unknown>[] {
  const running = tasks.filter((t) => t.status === 'running').sort((a, b) => a.starttime - b.starttime);
  const finished = tasks
    .filter((t) => t.status === 'stopped')
    .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid)
    .slice(0, Math.max(0, MAX_INDEXED_TASKS - running.length));
  return [...running, ...finished].map((t) => {
    const { pstart: _pstart, pid, status, ...item } = taskListItem(t);
    return t.status === 'running' ? { ...item, pid } : { ...item, status };
  });
}

/**
 * `GET /cluster/tasks` as pve-manager `PVE/API2/Cluster.pm` `tasks` answers it: each node's part of the index, node
 * by node (pve-cluster `PVE/Cluster.pm` `get_tasklist`, whose node order is a Perl hash's, so none in particular; the
 * fake's is its own; see {@link nodeTaskIndex}), filtered by who may see
 * what: everything with `Sys.Audit` on `/`, else the tasks whose user — the token split off — equals the caller's
 * id. A user sees its own and its tokens' tasks; a token's id never equals a user, so a token without `Sys.Audit`
 * on `/` sees none, not even its own.
 */
function clusterTasks(ctx: RouteContext): Envelope | unknown[] {
  const all = ctx.env.perms.has(ctx.who, '/', 'Sys.Audit');
  const tasks = [...ctx.env.tasks.tasks.values()];
  return [...ctx.env.cluster.nodes.keys()]
    .flatMap((node) => nodeTaskIndex(tasks.filter((t) => t.node === node)))
    .filter((item) => all || item.user === ctx.who.authid);
}

/** `/version` and the `/cluster/...` routes. */
export function clusterRoutes(): RouteDef[] {
  return [
    route('GET', '/version', {}, (ctx) => versionInfo(ctx.env.pveVersion)),
    route('GET', '/cluster/status', {}, status),
    route('GET', '/cluster/resources', { type: str({ enum: ['vm', 'storage', 'node', 'sdn'] }) }, resources),
    route('GET', '/cluster/nextid', { vmid: vmidParam }, nextid),
    route('GET', '/cluster/tasks', {}, clusterTasks),
  ];
}
