import type { AuthIdentity } from '../auth/permissions.js';
import type { FakeEnv } from '../fake-env.js';
import { fail } from '../pve-error.js';
import type { RouteContext } from '../router/route.js';
import { configPath } from '../state/cluster-state.js';
import type { PveGuestState, PveGuestType } from '../state/model.js';
import type { TaskLog } from '../state/task-runner.js';

/** `VM` or `CT`: the word PVE uses for a guest type in messages. */
export const typeWord = (type: PveGuestType): 'VM' | 'CT' => (type === 'qemu' ? 'VM' : 'CT');

/** Task type names per guest type and action (LXC `config` and `reset` only complete the map: no route starts them). */
export const TASK_TYPES = {
  qemu: {
    create: 'qmcreate',
    destroy: 'qmdestroy',
    config: 'qmconfig',
    start: 'qmstart',
    stop: 'qmstop',
    shutdown: 'qmshutdown',
    reboot: 'qmreboot',
    reset: 'qmreset',
    suspend: 'qmpause',
    resume: 'qmresume',
    clone: 'qmclone',
    migrate: 'qmigrate',
    snapshot: 'qmsnapshot',
    delsnapshot: 'qmdelsnapshot',
    rollback: 'qmrollback',
    template: 'qmtemplate',
    resize: 'resize',
    console: 'vncproxy',
  },
  lxc: {
    create: 'vzcreate',
    destroy: 'vzdestroy',
    config: 'vzconfig',
    start: 'vzstart',
    stop: 'vzstop',
    shutdown: 'vzshutdown',
    reboot: 'vzreboot',
    reset: 'vzreset',
    suspend: 'vzsuspend',
    resume: 'vzresume',
    clone: 'vzclone',
    migrate: 'vzmigrate',
    snapshot: 'vzsnapshot',
    delsnapshot: 'vzdelsnapshot',
    rollback: 'vzrollback',
    template: 'vztemplate',
    resize: 'resize',
    console: 'vncproxy',
  },
} as const;

/** The guest a per-guest route addresses (`{node}` + `{vmid}`), or PVE's error for it. */
export function guestOf(ctx: RouteContext, type: PveGuestType): PveGuestState {
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  return ctx.env.cluster.guestAt(node, type, Number(ctx.params.vmid));
}

/**
 * How a handler notices that the guest is not on the node asked (qemu-server `Qemu.pm`, pve-container
 * `LXC/Status.pm`): `config` — pve-guest-common `AbstractConfig.pm` `load_config`, synchronous
 * (`Configuration file '<path>' does not exist`); `assert` — qemu-server `QemuConfig.pm`
 * `assert_config_exists_on_node` through `check_running`, synchronous (`unable to find configuration file for VM <id>
 * on node '<node>'`); `task-config` / `task-assert` — the same texts, but only inside the worker, so a UPID is
 * returned and the task fails (QEMU `vm_start`; `vm_stop`/`vm_shutdown` through `_do_vm_stop`; LXC `vm_start`);
 * `not-running` — pve-container's `check_running` sees no such container running (`CT <id> not running`, or
 * `VM <id> not running` for the container reboot).
 */
export type AbsentGuest =
  | 'config'
  | 'assert'
  | 'task-config'
  | 'task-assert'
  | 'not-running'
  | 'not-running-vm';

/**
 * The guest a per-guest route addresses, or — when it is not on the addressed node — PVE's error for it as `absent`
 * says, or the UPID of a task that fails with it. `perms` are checked on `/vms/<vmid>` first, as pveproxy does.
 */
export function guestHere(
  ctx: RouteContext,
  type: PveGuestType,
  action: keyof (typeof TASK_TYPES)['qemu'],
  absent: AbsentGuest,
  perms: readonly string[],
): PveGuestState | string {
  const node = String(ctx.params.node);
  const vmid = Number(ctx.params.vmid);
  ctx.env.cluster.requireNode(node);
  ctx.env.perms.check(ctx.who, `/vms/${vmid}`, perms);
  const guest = ctx.env.cluster.guests.get(vmid);
  if (guest && guest.node === node && guest.type === type) return guest;
  const message = {
    config: `Configuration file '${configPath(node, type, vmid)}' does not exist`,
    assert: `unable to find configuration file for ${typeWord(type)} ${vmid} on node '${node}'`,
    'not-running': `${typeWord(type)} ${vmid} not running`,
    'not-running-vm': `VM ${vmid} not running`,
  } as const;
  if (absent === 'task-config' || absent === 'task-assert') {
    const text = message[absent === 'task-config' ? 'config' : 'assert'];
    return ctx.env.tasks.start({
      node,
      type: TASK_TYPES[type][action],
      id: String(vmid),
      authid: ctx.who.authid,
      begin: () => {
        throw fail(text);
      },
    });
  }
  throw fail(message[absent]);
}

/** Whether `skiplock` was given, which only root@pam may use. */
export function skipLock(ctx: RouteContext): boolean {
  if (ctx.params.skiplock !== true) return false;
  if (ctx.who.authid !== 'root@pam') throw fail('Only root may use this option.');
  return true;
}

/** PVE's `check_lock`: `VM is locked (<lock>)` / `CT is locked (<lock>)`. */
export function checkLock(guest: PveGuestState, skip = false): void {
  const lock = guest.config.lock;
  if (lock !== undefined && !skip) throw fail(`${typeWord(guest.type)} is locked (${lock})`);
}

/** Sets or clears the config `lock` (a config write). */
export function setLock(env: FakeEnv, guest: PveGuestState, lock: string | undefined): void {
  const { lock: _old, ...rest } = guest.config;
  env.cluster.writeConfig(guest, lock === undefined ? rest : { ...rest, lock });
}

/** Options of a task that works on one guest under a config lock. */
export interface GuestTaskOptions {
  readonly action: keyof (typeof TASK_TYPES)['qemu'];
  /** Config lock held while the task runs; none for power actions. */
  readonly lock?: string;
  readonly skipLock?: boolean;
  /** Extra checks at task start (inside the worker, after the lock check). */
  readonly check?: () => void;
  /** The state change at the end. */
  readonly finish: (log: TaskLog) => void;
  /** Task id field; default the vmid. */
  readonly id?: string;
  /** Delay before the worker begins (lock check); see `TaskSpec.beginDelayMs`. */
  readonly beginDelayMs?: number;
}

/** Starts a task on a guest: lock check inside the task, lock held while it runs, work at the end. */
export function startGuestTask(
  env: FakeEnv,
  who: AuthIdentity,
  guest: PveGuestState,
  o: GuestTaskOptions,
): string {
  return env.tasks.start({
    node: guest.node,
    type: TASK_TYPES[guest.type][o.action],
    id: o.id ?? String(guest.vmid),
    authid: who.authid,
    ...(o.beginDelayMs === undefined ? {} : { beginDelayMs: o.beginDelayMs }),
    begin: () => {
      checkLock(guest, o.skipLock);
      o.check?.();
      if (o.lock) setLock(env, guest, o.lock);
    },
    finish: o.finish,
    cleanup: () => {
      if (o.lock && env.cluster.guests.get(guest.vmid) === guest && guest.config.lock === o.lock) {
        setLock(env, guest, undefined);
      }
    },
  });
}
