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
import type { GuestConfig, GuestState, GuestType } from '../state/model.js';
import { checkLock, guestOf, TASK_TYPES } from './guest-context.js';
import { checkAllocate } from './guest-lifecycle.js';

/** The config of a clone: new volume names, new MACs, new identity, the given name. */
function cloneConfig(
  src: GuestState,
  newid: number,
  name: string | undefined,
  snapshot?: GuestConfig,
): GuestConfig {
  const base = snapshot ?? src.config;
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
          .replace(/([=])([0-9A-F]{2}(:[0-9A-F]{2}){5})/i, () => `=${randomMac()}`)
          .replace(/hwaddr=[^,]+/, `hwaddr=${randomMac()}`);
      }
    }
    out[k] = value;
  }
  delete out.template;
  if (src.type === 'qemu') {
    out.name = name ?? `Copy-of-VM-${src.config.name ?? src.vmid}`;
  } else if (name !== undefined) out.hostname = name;
  return out;
}

function clone(ctx: RouteContext, type: GuestType): string {
  const env = ctx.env;
  const src = guestOf(ctx, type);
  const newid = Number(ctx.params.newid);
  const pool = typeof ctx.params.pool === 'string' ? ctx.params.pool : undefined;
  env.perms.check(ctx.who, `/vms/${src.vmid}`, ['VM.Clone']);
  checkAllocate(ctx, newid, pool);
  const word = type === 'qemu' ? 'VM' : 'CT';
  if (env.cluster.guests.has(newid))
    throw fail(`unable to create ${word} ${newid}: config file already exists`);
  if (pool !== undefined && !env.cluster.pools.has(pool)) throw fail(`pool '${pool}' does not exist`);
  const target = typeof ctx.params.target === 'string' ? ctx.params.target : src.node;
  if (target !== src.node) {
    env.cluster.requireNode(target);
    const local = configVolumes(type, src.config).find(
      (v) => !env.cluster.storages.get(v.volid.split(':')[0]!)?.shared,
    );
    if (local) throw fail(`Can't clone to other node if ${word} uses local storage`);
  }
  const snapname = typeof ctx.params.snapname === 'string' ? ctx.params.snapname : undefined;
  const snap = snapname === undefined ? undefined : src.snapshots.get(snapname);
  if (snapname !== undefined && !snap) throw fail(`snapshot '${snapname}' does not exist`);
  const name =
    typeof ctx.params[type === 'qemu' ? 'name' : 'hostname'] === 'string'
      ? String(ctx.params[type === 'qemu' ? 'name' : 'hostname'])
      : undefined;
  let copy: GuestState | undefined;
  let done = false;
  return env.tasks.start({
    node: src.node,
    type: TASK_TYPES[type].clone,
    id: String(src.vmid),
    authid: ctx.who.authid,
    begin: () => {
      checkLock(src);
      if (env.cluster.guests.has(newid))
        throw fail(`unable to create ${word} ${newid}: config file already exists`);
      const config = cloneConfig(src, newid, name, snap?.config);
      if (typeof ctx.params.description === 'string') config.description = ctx.params.description;
      copy = {
        type,
        vmid: newid,
        node: target,
        config: { ...config, lock: 'clone' },
        revision: 0,
        status: 'stopped',
        qmpstatus: 'stopped',
        snapshots: new Map(),
        pool,
      };
      env.cluster.guests.set(newid, copy);
    },
    finish: (log) => {
      for (const v of configVolumes(type, copy!.config)) log(`create full clone of drive (${v.volid})`);
      const { lock: _l, ...rest } = copy!.config;
      env.cluster.writeConfig(copy!, rest);
      done = true;
    },
    cleanup: () => {
      if (!done && copy && env.cluster.guests.get(newid) === copy) env.cluster.guests.delete(newid);
    },
  });
}

/** `POST .../clone`. */
export function cloneRoutes(type: GuestType): RouteDef[] {
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
