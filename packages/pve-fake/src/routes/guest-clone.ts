import { randomUUID } from 'node:crypto';
import {
  bool,
  guestPathParams,
  int,
  num,
  type ParamSpecs,
  required,
  str,
  vmidParam,
} from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { configVolumes, randomMac } from '../state/guest-volumes.js';
import type { GuestConfig, PveGuestState, PveGuestType } from '../state/model.js';
import { checkCfsQuorum } from '../state/quorum.js';
import { checkLock, guestHere, setLock, TASK_TYPES, typeWord } from './guest-context.js';
import { checkAllocate } from './guest-lifecycle.js';

/** The config of a clone: new volume names, new MACs, a new SMBIOS uuid, no template flag, the given name. */
function cloneConfig(
  src: PveGuestState,
  newid: number,
  name: string | undefined,
  base: GuestConfig,
): GuestConfig {
  const { lock: _l, ...config } = base;
  const out: GuestConfig = {};
  let disk = 0;
  const vols = new Set(configVolumes(src.type, base).map((v) => v.volid));
  for (const [k, v] of Object.entries(config)) {
    if (/^unused\d+$/.test(k)) continue;
    let value = v;
    if (typeof v === 'string') {
      const volume = v.split(',')[0]!;
      if (vols.has(volume)) value = v.replace(volume, `${volume.split(':')[0]}:vm-${newid}-disk-${disk++}`);
      if (/^net\d+$/.test(k)) {
        value = String(value)
          .replace(/=([0-9A-F]{2}(:[0-9A-F]{2}){5})/i, () => `=${randomMac()}`)
          .replace(/hwaddr=[^,]+/, `hwaddr=${randomMac()}`);
      }
    }
    out[k] = value;
  }
  delete out.template;
  if (src.type === 'qemu') {
    out.smbios1 = `uuid=${randomUUID()}`;
    // PVE: the given name, else `Copy-of-<source name>`, else `Copy-of-VM-<vmid>`.
    out.name =
      name ?? (src.config.name !== undefined ? `Copy-of-${src.config.name}` : `Copy-of-VM-${src.vmid}`);
  } else if (name !== undefined) out.hostname = name;
  return out;
}

/** PVE's synchronous clone checks (done under the config lock before the worker starts). */
function checkClone(
  ctx: RouteContext,
  src: PveGuestState,
  newid: number,
  base: GuestConfig,
  full: boolean,
): void {
  const env = ctx.env;
  const type = src.type;
  const word = typeWord(type);
  checkLock(src);
  if (!full && typeof ctx.params.storage === 'string')
    throw fail("parameter 'storage' not allowed for linked clones");
  if (!full && typeof ctx.params.format === 'string')
    throw fail("parameter 'format' not allowed for linked clones");
  const target = typeof ctx.params.target === 'string' ? ctx.params.target : undefined;
  if (target !== undefined) env.cluster.requireNode(target);
  const volumes = configVolumes(type, base);
  const local = volumes.some((v) => !env.cluster.storages.get(v.volid.split(':')[0]!)?.shared);
  if (target !== undefined && target !== src.node && local) {
    throw fail(`can't clone ${word} to node '${target}' (${word} uses local storage)`);
  }
  // qemu-server `src/PVE/API2/Qemu.pm` `clone_vm` checks only for a QEMU config of that id on this node before
  // forking (`die "unable to create VM $newid: config file already exists\n" if -f $conffile`); its worker finds
  // any other holder (see `claimNewId`). pve-container's clone takes the id synchronously.
  const holder = env.cluster.guests.get(newid);
  if (holder && (type === 'lxc' || (holder.type === 'qemu' && holder.node === src.node)))
    throw fail(`unable to create ${word} ${newid}: config file already exists`);
  const linkable = src.config.template === 1;
  for (const v of volumes) {
    if (type === 'lxc' && full && src.status === 'running' && ctx.params.snapname === undefined) {
      throw fail('Cannot do full clones on a running container without snapshots');
    }
    if (!full && !linkable) {
      throw fail(
        type === 'qemu'
          ? `Linked clone feature is not supported for drive '${v.key}'`
          : `Linked clone feature for '${v.volid}' is not available`,
      );
    }
  }
}

function clone(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  // qemu-server `clone_vm` calls `check_running` (asserting the config on the node) before it loads the config.
  const src = guestHere(ctx, type, 'clone', type === 'qemu' ? 'assert' : 'config', ['VM.Clone']);
  if (typeof src === 'string') return src;
  const newid = Number(ctx.params.newid);
  const pool = typeof ctx.params.pool === 'string' ? ctx.params.pool : undefined;
  env.perms.check(ctx.who, `/vms/${src.vmid}`, ['VM.Clone']);
  checkAllocate(ctx, newid, pool);
  // qemu-server `Qemu.pm` / pve-container `LXC.pm` `clone_vm`: `check_cfs_quorum` before the worker.
  checkCfsQuorum(env.cluster.quorate);
  if (pool !== undefined && !env.cluster.pools.has(pool)) throw fail(`pool '${pool}' does not exist`);
  const snapname = typeof ctx.params.snapname === 'string' ? ctx.params.snapname : undefined;
  const snap = snapname === undefined ? undefined : src.snapshots.get(snapname);
  if (snapname !== undefined && !snap) throw fail(`snapshot '${snapname}' does not exist`);
  const base = snap?.config ?? src.config;
  const full = typeof ctx.params.full === 'boolean' ? ctx.params.full : src.config.template !== 1;
  checkClone(ctx, src, newid, base, full);
  const nameParam = ctx.params[type === 'qemu' ? 'name' : 'hostname'];
  const config = cloneConfig(src, newid, typeof nameParam === 'string' ? nameParam : undefined, base);
  if (typeof ctx.params.description === 'string') config.description = ctx.params.description;
  // The new guest exists at once, locked; LXC also locks the source (`disk`) while it copies.
  const copy: PveGuestState = {
    type,
    vmid: newid,
    node: src.node,
    config: { ...config, lock: type === 'qemu' ? 'clone' : 'create' },
    revision: 0,
    status: 'stopped',
    qmpstatus: 'stopped',
    snapshots: new Map(),
  };
  if (type === 'lxc') {
    env.cluster.guests.set(newid, copy);
    setLock(env, src, 'disk');
  }
  let done = false;
  return env.tasks.start({
    node: src.node,
    type: TASK_TYPES[type].clone,
    id: String(src.vmid),
    authid: ctx.who.authid,
    ...(type === 'qemu'
      ? { beginDelayMs: env.workerStartMs, begin: () => claimNewId(ctx, src.node, newid, copy) }
      : {}),
    finish: (log) => {
      for (const v of configVolumes(type, copy.config)) {
        log(`create ${full ? 'full' : 'linked'} clone of drive ${v.key} (${v.volid})`);
      }
      const { lock: _l, ...rest } = copy.config;
      env.cluster.writeConfig(copy, rest);
      if (typeof ctx.params.target === 'string') copy.node = ctx.params.target;
      copy.pool = pool;
      done = true;
    },
    cleanup: () => {
      if (type === 'lxc' && src.config.lock === 'disk') setLock(env, src, undefined);
      if (!done && env.cluster.guests.get(newid) === copy) env.cluster.guests.delete(newid);
    },
  });
}

/**
 * The QEMU clone worker's first step (qemu-server `src/PVE/API2/Qemu.pm` `clone_vm`): take the new id's flock (1 s),
 * check again, and write the temporary config (`lock: clone`). A clone of the same id still running holds the flock
 * (`can't lock file … - got timeout`); a finished one left its config (`config file already exists`); a guest of the
 * id elsewhere makes pmxcfs refuse the write (pve-common `PVE::File::file_set_contents`, pmxcfs `memdb.c`).
 */
function claimNewId(ctx: RouteContext, node: string, newid: number, copy: PveGuestState): void {
  const { cluster } = ctx.env;
  const holder = cluster.guests.get(newid);
  if (holder?.type === 'qemu' && holder.config.lock === 'clone') {
    throw fail(`can't lock file '/var/lock/qemu-server/lock-${newid}.conf' - got timeout`);
  }
  if (holder?.type === 'qemu' && holder.node === node) {
    throw fail(`unable to create VM ${newid}: config file already exists`);
  }
  if (holder) {
    throw fail(
      `close (rename) atomic file '/etc/pve/nodes/${node}/qemu-server/${newid}.conf' failed: File exists`,
    );
  }
  cluster.guests.set(newid, copy);
}

/** `POST .../clone`. */
export function cloneRoutes(type: PveGuestType): RouteDef[] {
  const common: ParamSpecs = {
    ...guestPathParams,
    newid: required(vmidParam),
    description: str(),
    full: bool(),
    pool: str({ format: 'pve-poolid' }),
    snapname: str({ format: 'pve-configid', maxLength: 40 }),
    storage: str({ format: 'pve-storage-id' }),
    target: str({ format: 'pve-node' }),
  };
  const params: ParamSpecs =
    type === 'qemu'
      ? {
          ...common,
          name: str({ format: 'dns-name' }),
          format: str({ enum: ['raw', 'qcow2', 'vmdk'] }),
          bwlimit: int({ minimum: 0 }),
        }
      : { ...common, hostname: str({ format: 'dns-name' }), bwlimit: num({ minimum: 0 }) };
  return [route('POST', `/nodes/{node}/${type}/{vmid}/clone`, params, (ctx) => clone(ctx, type))];
}
