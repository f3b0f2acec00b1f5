import { checkDriveParams, checkStorageAccess } from '../params/drive-params.js';
import { splitList } from '../params/formats.js';
import { lxcConfigParams, lxcUpdateParams } from '../params/lxc-params.js';
import { bool, guestPathParams, int, type ParamSpecs, str } from '../params/param-spec.js';
import { qemuConfigParams, qemuUpdateParams } from '../params/qemu-params.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { copyImportedDisks, diskImports } from '../state/disk-import.js';
import { isDiskKey, materializeConfig } from '../state/guest-volumes.js';
import type { GuestConfig, PendingChanges, PveGuestState, PveGuestType } from '../state/model.js';
import { hasPending, hotPlugs, pendingArray, withPending } from '../state/pending-config.js';
import type { TaskLog } from '../state/task-runner.js';
import { CONFIG_PRIVILEGES, privilegeForKey } from './config-privileges.js';
import { toConfigValues } from './config-values.js';
import { checkLock, guestOf, skipLock, startGuestTask } from './guest-context.js';
import {
  checkBootOrder,
  checkQemuKeyPrivilege,
  checkSshKeysParam,
  type PreparedQemuValues,
  prepareQemuValues,
  updateLogLine,
} from './qemu-config-update.js';

const CONTROL_PARAMS = new Set([
  'node',
  'vmid',
  'delete',
  'digest',
  'revert',
  'skiplock',
  'force',
  'background_delay',
]);

/**
 * The config as `GET .../config` returns it: keys plus `digest` (or a snapshot's config). Pending values are merged in
 * and pending deletes left out unless `current=1` (qemu-server `src/PVE/API2/Qemu.pm` `vm_config`, pve-guest-common
 * `AbstractConfig.pm` `load_current_config`).
 */
function readConfig(ctx: RouteContext, type: PveGuestType): Record<string, unknown> {
  const g = guestOf(ctx, type);
  ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
  const snapname = ctx.params.snapshot;
  if (typeof snapname === 'string') {
    const snap = g.snapshots.get(snapname);
    if (!snap) throw fail(`snapshot '${snapname}' does not exist`);
    return maskPassword({ ...snap.config, digest: ctx.env.cluster.digest(g) });
  }
  const config = ctx.params.current === true ? g.config : withPending(g);
  return maskPassword({ ...config, digest: ctx.env.cluster.digest(g) });
}

/** qemu-server `Qemu.pm` `vm_config`: `cipassword` is answered as `**********`. */
function maskPassword(config: Record<string, unknown>): Record<string, unknown> {
  return config.cipassword ? { ...config, cipassword: '**********' } : config;
}

/** qemu-server `Qemu.pm` `vm_pending`: the password as `**********`, a pending one as `********** ` (sic). */
function maskPendingPassword(items: Record<string, unknown>[]): Record<string, unknown>[] {
  return items.map((item) => {
    if (item.key !== 'cipassword') return item;
    const out = { ...item };
    if (out.value !== undefined) out.value = '**********';
    if (out.pending !== undefined) out.pending = '********** ';
    return out;
  });
}

/** A QEMU disk removed from or replaced in the config stays as the next free `unusedN` (CD-ROMs do not). */
function keepAsUnused(config: GuestConfig, old: string): void {
  const volume = old.split(',')[0]!;
  if (old.includes('media=cdrom') || !volume.includes(':')) return;
  let i = 0;
  while (config[`unused${i}`] !== undefined) i++;
  config[`unused${i}`] = volume;
}

/** Validates a config update and returns the function that applies it. */
function prepareUpdate(
  ctx: RouteContext,
  type: PveGuestType,
): { guest: PveGuestState; apply: (log?: TaskLog) => void } {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  const path = `/vms/${g.vmid}`;
  env.perms.check(ctx.who, path, CONFIG_PRIVILEGES, true);
  const specs = type === 'qemu' ? qemuConfigParams : lxcConfigParams;
  const keys = Object.keys(ctx.params).filter((k) => !CONTROL_PARAMS.has(k));
  const deletes = typeof ctx.params.delete === 'string' ? splitList(ctx.params.delete) : [];
  const reverts = typeof ctx.params.revert === 'string' ? splitList(ctx.params.revert) : [];
  if (type === 'qemu') checkSshKeysParam(ctx.params);
  if (keys.length === 0 && deletes.length === 0 && reverts.length === 0) throw fail('no options specified');
  for (const key of [...keys, ...deletes]) {
    if (key === 'lock') {
      if (ctx.who.authid !== 'root@pam') throw fail("only root can set 'lock' config");
      continue;
    }
    const value = keys.includes(key) ? String(ctx.params[key]) : undefined;
    if (type === 'qemu' && checkQemuKeyPrivilege(env, ctx.who, path, key, value)) continue;
    env.perms.check(ctx.who, path, [privilegeForKey(type, key)]);
  }
  if (ctx.params.force === true && deletes.length === 0) {
    throw fail("parameter 'force' requires 'delete'");
  }
  const digest = ctx.params.digest;
  if (typeof digest === 'string' && digest !== env.cluster.digest(g)) {
    throw fail('checksum mismatch (file change by other user?)');
  }
  const onlyUnlock = keys.length === 0 && deletes.length === 1 && deletes[0] === 'lock';
  const skip = skipLock(ctx) || onlyUnlock;
  let values = toConfigValues(specs, ctx.params, keys);
  const imports = type === 'qemu' ? diskImports(values) : [];
  let prepared: PreparedQemuValues | undefined;
  if (type === 'qemu') {
    // qemu-server `Qemu.pm` `$update_vm_api`: `$check_drive_param` and `$check_storage_access` before any change.
    checkDriveParams(env, values);
    checkStorageAccess(env, ctx.who, g.vmid, values, undefined);
    prepared = prepareQemuValues(env, g, values);
    values = prepared.values;
  }
  const used = new Set(Object.values(g.config).map((v) => String(v).split(',')[0]!));
  const materialized = materializeConfig(
    type,
    g.vmid,
    values,
    (id) => env.cluster.storageAvailable(g.node, id),
    used,
    (source) => env.cluster.volume(g.node, source)?.virtualSize,
  );
  for (const key of Object.keys(materialized)) {
    if (isDiskKey(type, key) && String(values[key]) !== String(materialized[key])) {
      const storage = String(materialized[key]).split(':')[0]!;
      env.perms.check(ctx.who, `/storage/${storage}`, ['Datastore.AllocateSpace']);
    }
  }
  const apply = (log: TaskLog = () => {}): void => {
    checkLock(g, skip);
    if (prepared) {
      log(updateLogLine(g.vmid, ctx.params));
      if (prepared.cloudinitConflict !== undefined) throw fail(prepared.cloudinitConflict);
      checkBootOrder(g, materialized, deletes);
      for (const key of prepared.cloudinitDrives)
        log(`${key}: successfully created disk '${materialized[key]}'`);
    }
    if (imports.length > 0) copyImportedDisks(env, g.node, imports, materialized, log);
    // qemu-server `$update_vm_api` / pve-container `update_pct_config` write every change into `[PENDING]`; a stopped
    // guest then takes all pending changes (`vmconfig_apply_pending`), a running one those `vmconfig_hotplug_pending`
    // can apply live — the rest stays pending until it restarts.
    const running = g.status === 'running';
    const pending: PendingChanges = {
      values: { ...g.pending?.values },
      deletes: new Map(g.pending?.deletes ?? []),
    };
    for (const key of reverts) {
      delete pending.values[key];
      pending.deletes.delete(key);
    }
    const stays = (key: string) => running && !hotPlugs(g, key);
    const next: GuestConfig = running ? { ...g.config } : withPending({ ...g, pending });
    if (!running) {
      pending.deletes.clear();
      for (const key of Object.keys(pending.values)) delete pending.values[key];
    }
    for (const key of deletes) {
      delete pending.values[key];
      if (stays(key)) {
        if (next[key] !== undefined) pending.deletes.set(key, ctx.params.force === true);
        continue;
      }
      pending.deletes.delete(key);
      const old = next[key];
      if (old === undefined) continue;
      delete next[key];
      if (type === 'qemu' && isDiskKey(type, key) && ctx.params.force !== true)
        keepAsUnused(next, String(old));
    }
    for (const [k, v] of Object.entries(materialized)) {
      pending.deletes.delete(k);
      if (stays(k)) {
        pending.values[k] = v;
        continue;
      }
      delete pending.values[k];
      const old = next[k];
      if (
        type === 'qemu' &&
        isDiskKey(type, k) &&
        typeof old === 'string' &&
        old.split(',')[0] !== String(v).split(',')[0]
      ) {
        keepAsUnused(next, old);
      }
      next[k] = v;
    }
    g.pending = hasPending({ ...g, pending }) ? pending : undefined;
    env.cluster.writeConfig(g, next);
  };
  return { guest: g, apply };
}

/** Config routes: `GET` and `PUT .../config` for both types, async `POST .../config` for QEMU. */
export function configRoutes(type: PveGuestType): RouteDef[] {
  const base = `/nodes/{node}/${type}/{vmid}/config`;
  const getParams: ParamSpecs = {
    ...guestPathParams,
    current: bool(),
    snapshot: str({ format: 'pve-configid', maxLength: 40 }),
  };
  const updateParams = type === 'qemu' ? qemuUpdateParams : lxcUpdateParams;
  const routes = [
    route('GET', base, getParams, (ctx) => readConfig(ctx, type)),
    route('GET', `/nodes/{node}/${type}/{vmid}/pending`, guestPathParams, (ctx) => {
      const g = guestOf(ctx, type);
      ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
      const items = pendingArray(g, ctx.env.cluster.digest(g));
      return type === 'qemu' ? maskPendingPassword(items) : items;
    }),
    route('PUT', base, updateParams, (ctx) => {
      prepareUpdate(ctx, type).apply();
      return null;
    }),
  ];
  if (type === 'qemu') {
    routes.push(
      route('POST', base, { ...updateParams, background_delay: int({ minimum: 1, maximum: 30 }) }, (ctx) => {
        const { guest, apply } = prepareUpdate(ctx, type);
        return startGuestTask(ctx.env, ctx.who, guest, { action: 'config', skipLock: true, finish: apply });
      }),
    );
  }
  return routes;
}
