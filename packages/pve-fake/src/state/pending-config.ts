import type { ClusterState } from './cluster-state.js';
import { isDiskKey } from './guest-volumes.js';
import type { GuestConfig, PveGuestState } from './model.js';

/**
 * Keys a running VM takes at once: qemu-server `src/PVE/QemuServer.pm` `$fast_plug_option`, and what
 * `vmconfig_hotplug_pending` hot-plugs with the default `hotplug` (`network,disk,usb`) and through cgroups.
 */
const QEMU_FAST_PLUG = new Set([
  'description',
  'hookscript',
  'lock',
  'migrate_downtime',
  'migrate_speed',
  'name',
  'onboot',
  'protection',
  'shares',
  'startup',
  'tags',
  'vmstatestorage',
  'cpuunits',
  'cpulimit',
  'agent',
  'balloon',
]);

/**
 * Keys a running container takes at once: pve-container `src/PVE/LXC/Config.pm` `$LXC_FASTPLUG_OPTIONS`, and
 * memory, swap and CPU limits through cgroups (`vmconfig_hotplug_pending`).
 */
const LXC_HOT_PLUG = new Set([
  'description',
  'onboot',
  'startup',
  'protection',
  'hostname',
  'hookscript',
  'cores',
  'tags',
  'lock',
  'memory',
  'swap',
  'cpulimit',
  'cpuunits',
]);

/**
 * Whether a running guest takes a change of `key` at once (`vmconfig_hotplug_pending` of qemu-server and
 * pve-container). `cores` and `sockets` of a VM never are (`die "skip\n"`); its `memory` and `vcpus` only with
 * `memory`/`cpu` in its `hotplug` option; NICs and SCSI/VirtIO disks are (the default `hotplug` has `network`, `disk`).
 */
export function hotPlugs(guest: PveGuestState, key: string): boolean {
  if (guest.type === 'lxc') return LXC_HOT_PLUG.has(key) || /^net\d+$/.test(key);
  if (QEMU_FAST_PLUG.has(key)) return true;
  const hotplug = String(guest.config.hotplug ?? 'network,disk,usb');
  if (/^net\d+$/.test(key)) return /network/.test(hotplug);
  if (key === 'memory') return /memory/.test(hotplug);
  if (key === 'vcpus') return /cpu/.test(hotplug);
  if (isDiskKey('qemu', key)) return /disk/.test(hotplug) && /^(scsi|virtio)\d+$/.test(key);
  return false;
}

/** Whether anything is pending. */
export function hasPending(guest: PveGuestState): boolean {
  const p = guest.pending;
  return !!p && (Object.keys(p.values).length > 0 || p.deletes.size > 0);
}

/**
 * The config with the pending changes applied: what `GET .../config` shows unless `current=1` (pve-guest-common
 * `src/PVE/AbstractConfig.pm` `load_current_config` vs qemu-server `vm_config`), and what a start, or a VM's stop,
 * writes (`vmconfig_apply_pending`).
 */
export function withPending(guest: PveGuestState): GuestConfig {
  const p = guest.pending;
  if (!p) return guest.config;
  const merged: GuestConfig = { ...guest.config, ...p.values };
  for (const key of p.deletes.keys()) delete merged[key];
  return merged;
}

/**
 * `GET .../pending` (pve-guest-common `src/PVE/GuestHelpers.pm` `config_with_pending_array`): every current key with
 * its `value` (and `pending`/`delete` where set), then keys only pending, then deletes of keys the config lacks. The
 * config's `digest` is one of the keys.
 */
export function pendingArray(guest: PveGuestState, digest: string): Record<string, unknown>[] {
  const values = guest.pending?.values ?? {};
  const deletes = guest.pending?.deletes ?? new Map<string, boolean>();
  const items: Record<string, unknown>[] = [];
  for (const [key, value] of Object.entries({ ...guest.config, digest })) {
    // Values read from the config file are strings in PVE's answer.
    const item: Record<string, unknown> = { key, value: String(value) };
    if (values[key] !== undefined) item.pending = String(values[key]);
    const force = deletes.get(key);
    if (force !== undefined) item.delete = force ? 2 : 1;
    items.push(item);
  }
  for (const [key, value] of Object.entries(values)) {
    if (guest.config[key] === undefined) items.push({ key, pending: String(value) });
  }
  for (const [key, force] of deletes) {
    if (guest.config[key] === undefined) items.push({ key, delete: force ? 2 : 1 });
  }
  return items;
}

/**
 * Writes the guest's pending changes into its config, as qemu-server `vm_start_nolock` and `_do_vm_stop` (through
 * `vmconfig_apply_pending`) and pve-container `PVE::LXC::vm_start` do.
 */
export function applyPending(cluster: ClusterState, guest: PveGuestState): void {
  if (!guest.pending) return;
  const config = withPending(guest);
  guest.pending = undefined;
  cluster.writeConfig(guest, config);
}
