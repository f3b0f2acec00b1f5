import type { AuthIdentity } from '../auth/permissions.js';
import type { FakeEnv } from '../fake-env.js';
import { bool, guestPathParams, int, type ParamSpecs, str } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { regenerateCloudinit } from '../state/cloudinit-drive.js';
import { haManaged, haRequest } from '../state/ha-manager.js';
import type { PveGuestState, PveGuestType } from '../state/model.js';
import { applyPending } from '../state/pending-config.js';
import { checkCfsQuorum } from '../state/quorum.js';
import type { TaskLog } from '../state/task-runner.js';
import { type AbsentGuest, guestHere, guestOf, skipLock, startGuestTask, typeWord } from './guest-context.js';

/** Who `qm cleanup` runs as: qmeventd is a root daemon. */
const ROOT: AuthIdentity = { userid: 'root@pam', authid: 'root@pam', via: 'ticket' };

const base = (type: PveGuestType) => `/nodes/{node}/${type}/{vmid}/status`;

function markRunning(env: FakeEnv, g: PveGuestState): void {
  g.status = 'running';
  g.qmpstatus = 'running';
  g.startedAt = env.clock.nowSeconds();
  g.pid = 10_000 + Math.floor(Math.random() * 900_000);
}

function markStopped(g: PveGuestState): void {
  g.status = 'stopped';
  g.qmpstatus = 'stopped';
  g.startedAt = undefined;
  g.pid = undefined;
}

/**
 * A guest stopped through PVE. A VM applies its pending changes on the way down (qemu-server `_do_vm_stop` →
 * `vm_stop_cleanup` with `$apply_pending_changes`); a container keeps them for its next start.
 */
function stopped(ctx: RouteContext, g: PveGuestState): void {
  markStopped(g);
  if (g.type === 'qemu') applyPending(ctx.env.cluster, g);
}

const notRunning = (g: PveGuestState) => fail(`${typeWord(g.type)} ${g.vmid} not running`);

/**
 * The guest of a power route, or the UPID of the task that fails for a guest not on the node. An HA-managed guest's
 * start, stop and shutdown only queue an HA request, which works from any node (`absent` is then not reached).
 */
function power(
  ctx: RouteContext,
  type: PveGuestType,
  action: 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume',
  absent: AbsentGuest,
): { g: PveGuestState; skip: boolean } | string {
  const ha = ctx.env.cluster.guests.get(Number(ctx.params.vmid));
  const viaHa = (action === 'start' || action === 'stop' || action === 'shutdown') && ha?.type === type;
  const g =
    viaHa && haManaged(ha) ? guestOf({ ...ctx, params: { ...ctx.params, node: ha.node } }, type) : undefined;
  const here = g ?? guestHere(ctx, type, action, absent, ['VM.PowerMgmt']);
  if (typeof here === 'string') return here;
  if (g) ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.PowerMgmt']);
  return { g: here, skip: skipLock(ctx) };
}

function start(ctx: RouteContext, type: PveGuestType): string {
  const p = power(ctx, type, 'start', 'task-config');
  if (typeof p === 'string') return p;
  return startTaskOf(ctx.env, ctx.who, p.g, p.skip);
}

/**
 * What qemu-server `Qemu.pm` / pve-container `LXC/Status.pm` `vm_start` does after its permission check: the
 * synchronous checks, then a `hastart` request for an HA-managed guest or a `qmstart`/`vzstart` task. Its UPID is
 * returned (`beginDelayMs` delays the worker, for a start forked while another task still holds the guest).
 */
function startTaskOf(
  env: FakeEnv,
  who: AuthIdentity,
  g: PveGuestState,
  skip: boolean,
  beginDelayMs?: number,
): string {
  const type = g.type;
  if (type === 'lxc' && g.status === 'running') throw fail(`CT ${g.vmid} already running`);
  // qemu-server `Qemu.pm` / pve-container `LXC/Status.pm` `vm_start`: `check_cfs_quorum` before the worker.
  checkCfsQuorum(env.cluster.quorate);
  if (haManaged(g)) return haRequest(env, g, { kind: 'start' }, who.authid);
  return startGuestTask(env, who, g, {
    action: 'start',
    skipLock: skip || g.config.lock === 'suspended',
    ...(beginDelayMs === undefined ? {} : { beginDelayMs }),
    check: () => {
      if (g.config.template === 1)
        throw fail(`you can't start a ${type === 'qemu' ? 'vm' : 'CT'} if it's a template`);
    },
    finish: (log) => {
      if (g.status === 'running') throw fail(`${typeWord(type)} ${g.vmid} already running`);
      if (g.config.lock === 'suspended') {
        const { lock: _l, ...rest } = g.config;
        env.cluster.writeConfig(g, rest);
        log('resuming VM from saved state');
        // Resuming a saved state keeps the pending changes (qemu-server `vm_start_nolock` applies them only on a
        // fresh start).
      } else {
        applyPending(env.cluster, g);
        // qemu-server `vm_start_nolock`: `apply_cloudinit_config` rebuilds the cloud-init image on a fresh start.
        if (type === 'qemu') regenerateCloudinit(env.cluster, g);
      }
      markRunning(env, g);
    },
  });
}

/**
 * A start PVE makes at the end of another task, through `PVE::API2::Qemu->vm_start(...)` /
 * `PVE::API2::LXC::Status->vm_start(...)`: in a worker that runs as a daemon (not the CLI), `fork_worker` forks a
 * task of its own and returns at once (pve-common `RESTEnvironment.pm` `fork_worker`:
 * `my $sync = ($self->{type} eq 'cli' && !$background)`), so the calling task ends `OK` while the guest is still
 * starting, and the start can fail on its own later. Used by qemu-server `create_vm` and `rollback` with `start`,
 * pve-container `create_vm` and the snapshot `rollback` with `start`, and qemu-server's reboot (`qm cleanup` restarts
 * the VM after `vm_reboot` shut it down). A start refused before its fork fails the calling task, except for QEMU's
 * create, which only warns (`eval { PVE::API2::Qemu->vm_start(...) }; warn $@ if $@;`).
 */
export function startAfterTask(
  env: FakeEnv,
  who: AuthIdentity,
  g: PveGuestState,
  log: TaskLog,
  refused: 'warn' | 'fail',
): void {
  try {
    // The worker begins once the calling task has released the guest (its lock, its end).
    startTaskOf(env, who, g, false, 1);
  } catch (e) {
    if (refused === 'fail') throw e;
    log(e instanceof Error ? e.message : String(e));
  }
}

function stop(ctx: RouteContext, type: PveGuestType): string {
  const p = power(ctx, type, 'stop', type === 'qemu' ? 'task-assert' : 'not-running');
  if (typeof p === 'string') return p;
  const { g, skip } = p;
  if (haManaged(g)) return haRequest(ctx.env, g, { kind: 'stop', shutdown: false }, ctx.who.authid);
  if (type === 'lxc' && g.status !== 'running') throw notRunning(g);
  return startGuestTask(ctx.env, ctx.who, g, {
    action: 'stop',
    skipLock: skip,
    finish: () => stopped(ctx, g),
  });
}

function shutdown(ctx: RouteContext, type: PveGuestType): string {
  const p = power(ctx, type, 'shutdown', type === 'qemu' ? 'task-assert' : 'not-running');
  if (typeof p === 'string') return p;
  const { g, skip } = p;
  if (haManaged(g)) return haRequest(ctx.env, g, { kind: 'stop', shutdown: true }, ctx.who.authid);
  if (type === 'lxc' && g.status !== 'running') throw notRunning(g);
  if (type === 'qemu' && g.qmpstatus === 'paused' && ctx.params.forceStop !== true) {
    throw fail('VM is paused - cannot shutdown');
  }
  return startGuestTask(ctx.env, ctx.who, g, {
    action: 'shutdown',
    skipLock: skip,
    finish: () => stopped(ctx, g),
  });
}

/**
 * QEMU: qemu-server `QemuServer.pm` `vm_reboot` writes a reboot request and only shuts the VM down (pending changes
 * apply on the way down, `_do_vm_stop`); the task ends with the VM off, and `qm cleanup` (run by qmeventd when QEMU
 * exits, as root@pam) starts it again in a `qmstart` task of its own (qemu-server `src/PVE/CLI/qm.pm` `cleanup`:
 * `warn "Restarting VM $vmid\n"; PVE::API2::Qemu->vm_start(...)`). A paused VM cannot be shut down
 * (`VM is paused - cannot shutdown`, qemu-server `Qemu.pm` `vm_reboot`). LXC: pve-container `LXC.pm` `vm_reboot`
 * stops and starts the container inside the `vzreboot` task.
 */
function reboot(ctx: RouteContext, type: PveGuestType): string {
  const p = power(ctx, type, 'reboot', type === 'qemu' ? 'assert' : 'not-running-vm');
  if (typeof p === 'string') return p;
  const { g } = p;
  if (g.status !== 'running') throw notRunning(g);
  if (type === 'qemu' && g.qmpstatus === 'paused') throw fail('VM is paused - cannot shutdown');
  return startGuestTask(ctx.env, ctx.who, g, {
    action: 'reboot',
    finish: () => {
      if (g.status !== 'running') throw notRunning(g);
      if (type === 'lxc') {
        markRunning(ctx.env, g);
        return;
      }
      stopped(ctx, g);
      // A start refused before its fork is only in qmeventd's journal, not in this task.
      startAfterTask(ctx.env, ROOT, g, () => {}, 'warn');
    },
  });
}

function reset(ctx: RouteContext): string {
  const p = power(ctx, 'qemu', 'reset', 'assert');
  if (typeof p === 'string') return p;
  const { g, skip } = p;
  if (g.status !== 'running') throw notRunning(g);
  return startGuestTask(ctx.env, ctx.who, g, {
    action: 'reset',
    skipLock: skip,
    finish: () => markRunning(ctx.env, g),
  });
}

function suspend(ctx: RouteContext, type: PveGuestType): string {
  const p = power(ctx, type, 'suspend', type === 'qemu' ? 'assert' : 'not-running');
  if (typeof p === 'string') return p;
  const { g, skip } = p;
  if (g.status !== 'running') throw notRunning(g);
  const todisk = ctx.params.todisk === true;
  if (todisk) ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Config.Disk']);
  return startGuestTask(ctx.env, ctx.who, g, {
    action: 'suspend',
    skipLock: skip,
    finish: () => {
      if (!todisk) {
        g.qmpstatus = 'paused';
        return;
      }
      markStopped(g);
      ctx.env.cluster.writeConfig(g, { ...g.config, lock: 'suspended' });
    },
  });
}

function resume(ctx: RouteContext, type: PveGuestType): string {
  const p = power(ctx, type, 'resume', type === 'qemu' ? 'assert' : 'config');
  if (typeof p === 'string') return p;
  const { g, skip } = p;
  const suspendedToDisk = g.config.lock === 'suspended';
  if (g.status !== 'running' && !suspendedToDisk) throw notRunning(g);
  return startGuestTask(ctx.env, ctx.who, g, {
    action: 'resume',
    skipLock: skip || suspendedToDisk,
    finish: () => {
      if (suspendedToDisk) {
        const { lock: _l, ...rest } = g.config;
        ctx.env.cluster.writeConfig(g, rest);
        markRunning(ctx.env, g);
      } else g.qmpstatus = 'running';
    },
  });
}

/** The power routes of a guest type (`status/start` ... `status/resume`, plus `status/reset` for QEMU). */
export function powerRoutes(type: PveGuestType): RouteDef[] {
  const p = guestPathParams;
  const q = type === 'qemu';
  const startParams: ParamSpecs = q
    ? { ...p, skiplock: bool(), timeout: int({ minimum: 0 }), machine: str(), 'force-cpu': str() }
    : { ...p, skiplock: bool(), debug: bool() };
  const stopParams: ParamSpecs = q
    ? {
        ...p,
        skiplock: bool(),
        timeout: int({ minimum: 0 }),
        keepActive: bool(),
        'overrule-shutdown': bool(),
      }
    : { ...p, skiplock: bool(), 'overrule-shutdown': bool() };
  const shutdownParams: ParamSpecs = q
    ? { ...p, skiplock: bool(), timeout: int({ minimum: 0 }), forceStop: bool(), keepActive: bool() }
    : { ...p, timeout: int({ minimum: 0 }), forceStop: bool() };
  const suspendParams: ParamSpecs = q
    ? { ...p, skiplock: bool(), todisk: bool(), statestorage: str({ format: 'pve-storage-id' }) }
    : { ...p };
  const resumeParams: ParamSpecs = q ? { ...p, skiplock: bool(), nocheck: bool() } : { ...p };
  const routes = [
    route('POST', `${base(type)}/start`, startParams, (ctx) => start(ctx, type)),
    route('POST', `${base(type)}/stop`, stopParams, (ctx) => stop(ctx, type)),
    route('POST', `${base(type)}/shutdown`, shutdownParams, (ctx) => shutdown(ctx, type)),
    route('POST', `${base(type)}/reboot`, { ...p, timeout: int({ minimum: 0 }) }, (ctx) => reboot(ctx, type)),
    route('POST', `${base(type)}/suspend`, suspendParams, (ctx) => suspend(ctx, type)),
    route('POST', `${base(type)}/resume`, resumeParams, (ctx) => resume(ctx, type)),
  ];
  if (q) routes.push(route('POST', `${base(type)}/reset`, { ...p, skiplock: bool() }, reset));
  return routes;
}
