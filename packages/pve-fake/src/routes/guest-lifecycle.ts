import type { FakeEnv } from '../fake-env.js';
import { checkDriveParams, checkStorageAccess } from '../params/drive-params.js';
import { lxcConfigParams, lxcCreateParams } from '../params/lxc-params.js';
import { bool, guestPathParams, nodeParam, type ParamSpecs, str } from '../params/param-spec.js';
import { qemuConfigParams, qemuCreateParams } from '../params/qemu-params.js';
import { fail, permissionDenied } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { allocateCloudinitDrives, cloudinitConflict, cloudinitValues } from '../state/cloudinit-drive.js';
import { copyImportedDisks, diskImports } from '../state/disk-import.js';
import { configVolumes, materializeConfig, newVmIdentity } from '../state/guest-volumes.js';
import type { GuestConfig, PveGuestState, PveGuestType } from '../state/model.js';
import { checkCfsQuorum } from '../state/quorum.js';
import { uriUnescape, validateSshPublicKeys } from '../state/ssh-public-keys.js';
import { toConfigValues } from './config-values.js';
import { checkLock, guestOf, skipLock, startGuestTask, TASK_TYPES, typeWord } from './guest-context.js';
import { startAfterTask } from './guest-power.js';
import { guestCurrentStatus, guestListItem } from './guest-status.js';

const CREATE_ONLY = new Set([
  'node',
  'vmid',
  'pool',
  'start',
  'storage',
  'unique',
  'ostemplate',
  'password',
  'ssh-public-keys',
]);

/** PVE's `check_vmid_unused`: `<VM|CT> <id> already exists on node '<node>'`. */
export function vmidInUse(env: FakeEnv, vmid: number): string | undefined {
  const other = env.cluster.guests.get(vmid);
  return other ? `${typeWord(other.type)} ${vmid} already exists on node '${other.node}'` : undefined;
}

/** Checks `VM.Allocate` on the new id, or on the pool when one is given. */
export function checkAllocate(ctx: RouteContext, vmid: number, pool: string | undefined): void {
  const { perms } = ctx.env;
  if (perms.has(ctx.who, `/vms/${vmid}`, 'VM.Allocate')) return;
  if (pool !== undefined && perms.has(ctx.who, `/pool/${pool}`, 'VM.Allocate')) return;
  throw permissionDenied(`/vms/${vmid}`, 'VM.Allocate');
}

const storageParam = (ctx: RouteContext): string | undefined =>
  typeof ctx.params.storage === 'string' ? ctx.params.storage : undefined;

function list(ctx: RouteContext, type: PveGuestType): unknown[] {
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  return [...ctx.env.cluster.guests.values()]
    .filter(
      (g) => g.node === node && g.type === type && ctx.env.perms.has(ctx.who, `/vms/${g.vmid}`, 'VM.Audit'),
    )
    .map((g) => guestListItem(ctx.env, g, ctx.params.full === true));
}

function create(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const node = String(ctx.params.node);
  env.cluster.requireNode(node);
  const vmid = Number(ctx.params.vmid);
  const pool = typeof ctx.params.pool === 'string' ? ctx.params.pool : undefined;
  // qemu-server `Qemu.pm` `create_vm`: `sshkeys` are unescaped and validated before anything else.
  if (type === 'qemu' && typeof ctx.params.sshkeys === 'string') {
    validateSshPublicKeys(uriUnescape(ctx.params.sshkeys));
  }
  // qemu-server `Qemu.pm` / pve-container `LXC.pm` `create_vm`: `check_cfs_quorum` first.
  checkCfsQuorum(env.cluster.quorate);
  checkAllocate(ctx, vmid, pool);
  const taken = vmidInUse(env, vmid);
  if (taken) throw fail(type === 'qemu' ? `unable to create VM ${vmid} - ${taken}` : taken);
  if (pool !== undefined && !env.cluster.pools.has(pool)) throw fail(`pool '${pool}' does not exist`);
  const specs = type === 'qemu' ? qemuConfigParams : lxcConfigParams;
  const keys = Object.keys(ctx.params).filter((k) => !CREATE_ONLY.has(k));
  let values: GuestConfig = toConfigValues(specs, ctx.params, keys);
  const now = env.clock.nowSeconds();
  if (type === 'qemu') {
    values = { ...newVmIdentity(now), ...values };
  } else {
    const storage = String(ctx.params.storage ?? 'local');
    values = {
      arch: 'amd64',
      memory: 512,
      swap: 512,
      hostname: `CT${vmid}`,
      rootfs: `${storage}:4`,
      unprivileged: 1,
      ...values,
    };
  }
  const imports = type === 'qemu' ? diskImports(values) : [];
  let ciDrives: string[] = [];
  let ciConflict: string | undefined;
  if (type === 'qemu') {
    // qemu-server `Qemu.pm` `create_vm`: `$check_storage_access`, then `$check_drive_param`, before the worker.
    checkStorageAccess(env, ctx.who, vmid, values, storageParam(ctx));
    checkDriveParams(env, values);
    ciConflict = cloudinitConflict(undefined, values);
    ({ values, created: ciDrives } = allocateCloudinitDrives(env.cluster, vmid, values));
  }
  const config = materializeConfig(
    type,
    vmid,
    values,
    (id) => env.cluster.storageAvailable(node, id),
    new Set(),
    (source) => env.cluster.volume(node, source)?.virtualSize,
  );
  if (type === 'qemu' && config.boot === undefined) {
    const devices = Object.keys(config).filter((k) => /^(scsi|virtio|sata|ide)\d+$|^net\d+$/.test(k));
    config.boot = devices.length > 0 ? `order=${devices.join(';')}` : ' ';
  }
  for (const v of configVolumes(type, config)) {
    env.perms.check(ctx.who, `/storage/${v.volid.split(':')[0]}`, ['Datastore.AllocateSpace']);
  }
  const guest: PveGuestState = {
    type,
    vmid,
    node,
    config: { ...config, lock: 'create' },
    revision: 0,
    status: 'stopped',
    qmpstatus: 'stopped',
    snapshots: new Map(),
    pool,
  };
  env.cluster.guests.set(vmid, guest);
  let created = false;
  const ostemplate = typeof ctx.params.ostemplate === 'string' ? ctx.params.ostemplate : undefined;
  return env.tasks.start({
    node,
    type: TASK_TYPES[type].create,
    id: String(vmid),
    authid: ctx.who.authid,
    finish: (log) => {
      if (
        ostemplate !== undefined &&
        !env.cluster.volumes(node, ostemplate.split(':')[0]!).some((v) => v.volid === ostemplate)
      ) {
        throw fail(`unable to create CT ${vmid} - volume '${ostemplate}' does not exist`);
      }
      if (ciConflict !== undefined) throw fail(ciConflict);
      for (const key of ciDrives) log(`${key}: successfully created disk '${config[key]}'`);
      copyImportedDisks(env, node, imports, config, log);
      for (const v of configVolumes(type, config))
        log(`  Logical volume "${v.volid.split(':')[1]}" created.`);
      created = true;
      const { lock: _l, ...rest } = guest.config;
      env.cluster.writeConfig(guest, rest);
      if (type === 'qemu') guest.cloudinitBase = cloudinitValues(rest);
      // `start`: qemu-server / pve-container `create_vm` start the guest in a task of their own at the end.
      if (ctx.params.start === true)
        startAfterTask(env, ctx.who, guest, log, type === 'qemu' ? 'warn' : 'fail');
    },
    cleanup: () => {
      if (!created && env.cluster.guests.get(vmid) === guest) env.cluster.guests.delete(vmid);
    },
  });
}

function destroy(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Allocate']);
  const skip = skipLock(ctx);
  const word = typeWord(type);
  if (g.status === 'running' && !(type === 'lxc' && ctx.params.force === true)) {
    throw fail(`${word} ${g.vmid} is running - destroy failed`);
  }
  if (g.config.protection === 1) throw fail(`can't remove ${word} ${g.vmid} - protection mode enabled`);
  return startGuestTask(env, ctx.who, g, {
    action: 'destroy',
    skipLock: skip,
    lock: 'destroyed',
    finish: (log) => {
      for (const v of configVolumes(type, g.config))
        log(`  Logical volume "${v.volid.split(':')[1]}" successfully removed.`);
      env.cluster.guests.delete(g.vmid);
      for (const e of [...env.access.acl]) if (e.path === `/vms/${g.vmid}`) env.access.removeAcl(e);
    },
  });
}

function template(ctx: RouteContext, type: PveGuestType): string | null {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Allocate']);
  const write = (): void => {
    const next: GuestConfig = { ...g.config, template: 1 };
    for (const [k, v] of Object.entries(next)) {
      if (typeof v === 'string')
        next[k] = v.replace(new RegExp(`:vm-${g.vmid}-disk-`, 'g'), `:base-${g.vmid}-disk-`);
    }
    env.cluster.writeConfig(g, next);
  };
  if (type === 'lxc') {
    if (g.config.template === 1) throw fail(`you can't convert a template to a template`);
    if (g.status === 'running') throw fail(`you can't convert a CT to template if CT is running`);
    if (g.snapshots.size > 0) throw fail('unable to create template, because CT contains snapshots');
    write();
    return null;
  }
  // qemu-server `Qemu.pm` `template`: `$load_and_check` runs before forking (HTTP 500) and again in the worker —
  // `check_lock`, snapshots, already a template (unless one `disk` is converted), running.
  const loadAndCheck = (): void => {
    checkLock(g);
    if (g.snapshots.size > 0) throw fail('unable to create template, because VM contains snapshots');
    if (g.config.template === 1 && ctx.params.disk === undefined)
      throw fail(`you can't convert a template to a template`);
    if (g.status === 'running') throw fail(`you can't convert a VM to template if VM is running`);
  };
  loadAndCheck();
  return startGuestTask(env, ctx.who, g, { action: 'template', check: loadAndCheck, finish: write });
}

/** List, create, index, current status, delete and template routes of a guest type. */
export function lifecycleRoutes(type: PveGuestType): RouteDef[] {
  const base = `/nodes/{node}/${type}`;
  const p = guestPathParams;
  const listParams: ParamSpecs = type === 'qemu' ? { node: nodeParam, full: bool() } : { node: nodeParam };
  const deleteParams: ParamSpecs =
    type === 'qemu'
      ? { ...p, purge: bool(), 'destroy-unreferenced-disks': bool(), skiplock: bool() }
      : { ...p, purge: bool(), 'destroy-unreferenced-disks': bool(), force: bool() };
  const templateParams: ParamSpecs = type === 'qemu' ? { ...p, disk: str() } : { ...p };
  return [
    route('GET', base, listParams, (ctx) => list(ctx, type)),
    route('POST', base, type === 'qemu' ? qemuCreateParams : lxcCreateParams, (ctx) => create(ctx, type)),
    route('GET', `${base}/{vmid}`, p, (ctx) => {
      guestOf(ctx, type);
      const dirs = [
        'config',
        'status',
        'snapshot',
        'migrate',
        'clone',
        'rrddata',
        'vncproxy',
        'termproxy',
        'resize',
      ];
      return dirs.map((subdir) => ({ subdir }));
    }),
    route('GET', `${base}/{vmid}/status`, p, (ctx) => {
      guestOf(ctx, type);
      return ['current', 'start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume'].map((subdir) => ({
        subdir,
      }));
    }),
    route('GET', `${base}/{vmid}/status/current`, p, (ctx) => {
      const g = guestOf(ctx, type);
      ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
      return guestCurrentStatus(ctx.env, g);
    }),
    route('DELETE', `${base}/{vmid}`, deleteParams, (ctx) => destroy(ctx, type)),
    route('POST', `${base}/{vmid}/template`, templateParams, (ctx) => template(ctx, type)),
  ];
}
