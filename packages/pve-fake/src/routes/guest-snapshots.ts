import { bool, guestPathParams, type ParamSpecs, snapnameParam, str } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import type { PveGuestState, PveGuestType, SnapshotState } from '../state/model.js';
import { guestOf, startGuestTask } from './guest-context.js';
import { startAfterTask } from './guest-power.js';

function snapshotOf(g: PveGuestState, name: string): SnapshotState {
  const snap = g.snapshots.get(name);
  if (!snap) throw fail(`snapshot '${name}' does not exist`);
  return snap;
}

function list(ctx: RouteContext, type: PveGuestType): unknown[] {
  const g = guestOf(ctx, type);
  ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
  const items: Record<string, unknown>[] = [...g.snapshots.values()].map((s) => {
    const item: Record<string, unknown> = { name: s.name, description: s.description, snaptime: s.snaptime };
    if (type === 'qemu') item.vmstate = s.vmstate ? 1 : 0;
    if (s.parent !== undefined) item.parent = s.parent;
    return item;
  });
  const current: Record<string, unknown> = {
    name: 'current',
    description: 'You are here!',
    running: g.status === 'running' ? 1 : 0,
    digest: ctx.env.cluster.digest(g),
  };
  if (g.parentSnapshot !== undefined) current.parent = g.parentSnapshot;
  return [...items, current];
}

/**
 * The reserved name `name` is, checked before any task as PVE does: QEMU refuses `current` and any case of `pending`
 * (qemu-server `src/PVE/API2/Qemu.pm` `snapshot`), LXC `current` and `vzdump` (pve-container
 * `src/PVE/API2/LXC/Snapshot.pm` `snapshot`). The name's format (`pve-configid`, 2+ characters) the parameter checks.
 */
function reservedSnapshotName(type: PveGuestType, name: string): string | undefined {
  if (name === 'current') return name;
  if (type === 'qemu' && name.toLowerCase() === 'pending') return 'pending';
  if (type === 'lxc' && name === 'vzdump') return name;
  return undefined;
}

function create(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Snapshot']);
  const name = String(ctx.params.snapname);
  const reserved = reservedSnapshotName(type, name);
  if (reserved) throw fail(`unable to use snapshot name '${reserved}' (reserved name)`);
  const vmstate = type === 'qemu' && ctx.params.vmstate === true && g.status === 'running';
  return startGuestTask(env, ctx.who, g, {
    action: 'snapshot',
    lock: 'snapshot',
    check: () => {
      if (g.snapshots.has(name)) throw fail(`snapshot name '${name}' already used`);
    },
    finish: (log) => {
      const { lock: _l, ...config } = g.config;
      g.snapshots.set(name, {
        name,
        description: typeof ctx.params.description === 'string' ? ctx.params.description : '',
        snaptime: env.clock.nowSeconds(),
        vmstate,
        parent: g.parentSnapshot,
        config,
      });
      g.parentSnapshot = name;
      if (vmstate) log('saving VM state and RAM');
      log(`snapshotting '${name}'`);
    },
  });
}

function remove(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Snapshot']);
  const name = String(ctx.params.snapname);
  return startGuestTask(env, ctx.who, g, {
    action: 'delsnapshot',
    lock: 'snapshot-delete',
    check: () => snapshotOf(g, name),
    finish: () => {
      const snap = snapshotOf(g, name);
      g.snapshots.delete(name);
      for (const [k, s] of g.snapshots)
        if (s.parent === name) g.snapshots.set(k, { ...s, parent: snap.parent });
      if (g.parentSnapshot === name) g.parentSnapshot = snap.parent;
    },
  });
}

function rollback(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Snapshot', 'VM.Snapshot.Rollback'], true);
  const name = String(ctx.params.snapname);
  return startGuestTask(env, ctx.who, g, {
    action: 'rollback',
    lock: 'rollback',
    check: () => snapshotOf(g, name),
    finish: (log) => {
      const snap = snapshotOf(g, name);
      env.cluster.writeConfig(g, { ...snap.config, lock: 'rollback' });
      g.parentSnapshot = name;
      // A snapshot with RAM resumes the VM inside the rollback; `start` starts a stopped guest in a task of its own
      // (qemu-server `Qemu.pm` / pve-container `LXC/Snapshot.pm` `rollback`).
      const resumed = snap.vmstate === true;
      g.status = resumed ? 'running' : 'stopped';
      g.qmpstatus = resumed ? 'running' : 'stopped';
      g.startedAt = resumed ? env.clock.nowSeconds() : undefined;
      g.pid = resumed ? 10_000 + g.vmid : undefined;
      if (!resumed && ctx.params.start === true) startAfterTask(env, ctx.who, g, log, 'fail');
    },
  });
}

function snapshotConfig(ctx: RouteContext, type: PveGuestType): Record<string, unknown> {
  const g = guestOf(ctx, type);
  ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Snapshot', 'VM.Snapshot.Rollback', 'VM.Audit'], true);
  const s = snapshotOf(g, String(ctx.params.snapname));
  const out: Record<string, unknown> = { ...s.config, description: s.description, snaptime: s.snaptime };
  if (type === 'qemu') out.vmstate = s.vmstate ? 1 : 0;
  if (s.parent !== undefined) out.parent = s.parent;
  return out;
}

/** Snapshot routes: list, create, index, delete, rollback, config get/update. */
export function snapshotRoutes(type: PveGuestType): RouteDef[] {
  const base = `/nodes/{node}/${type}/{vmid}/snapshot`;
  const p = guestPathParams;
  const one = { ...p, snapname: snapnameParam };
  const createParams: ParamSpecs =
    type === 'qemu'
      ? { ...p, snapname: snapnameParam, description: str(), vmstate: bool() }
      : { ...p, snapname: snapnameParam, description: str() };
  return [
    route('GET', base, p, (ctx) => list(ctx, type)),
    route('POST', base, createParams, (ctx) => create(ctx, type)),
    route('GET', `${base}/{snapname}`, one, (ctx) => {
      snapshotOf(guestOf(ctx, type), String(ctx.params.snapname));
      return [{ cmd: 'rollback' }, { cmd: 'config' }];
    }),
    route('DELETE', `${base}/{snapname}`, { ...one, force: bool() }, (ctx) => remove(ctx, type)),
    route('POST', `${base}/{snapname}/rollback`, { ...one, start: bool() }, (ctx) => rollback(ctx, type)),
    route('GET', `${base}/{snapname}/config`, one, (ctx) => snapshotConfig(ctx, type)),
    route('PUT', `${base}/{snapname}/config`, { ...one, description: str() }, (ctx) => {
      const g = guestOf(ctx, type);
      ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Snapshot']);
      const s = snapshotOf(g, String(ctx.params.snapname));
      if (typeof ctx.params.description === 'string') s.description = ctx.params.description;
      return null;
    }),
  ];
}
