import { parseCicustom } from '../params/cloudinit-formats.js';
import { fail } from '../pve-error.js';
import type { ClusterState } from './cluster-state.js';
import { isDiskKey, parseVolumeValue } from './guest-volumes.js';
import type { GuestConfig, PveGuestState } from './model.js';
import { parseVolname, parseVolumeId } from './volume-names.js';

/** qemu-server `src/PVE/QemuServer/Drive.pm` `drive_is_cloudinit`: `<storage>:cloudinit` or `vm-<id>-cloudinit[.fmt]`. */
export function isCloudinitDrive(value: string): boolean {
  return /[:/](?:vm-\d+-)?cloudinit(?:\.(?:raw|qcow2|vmdk))?$/.test(parseVolumeValue(value).volume);
}

/** qemu-server `QemuConfig.pm` `has_cloudinit`: the drive key holding a cloud-init drive, other than `skip`. */
export function cloudinitDriveKey(config: GuestConfig, skip?: string): string | undefined {
  return Object.keys(config).find(
    (k) => k !== skip && isDiskKey('qemu', k) && isCloudinitDrive(String(config[k])),
  );
}

/**
 * qemu-server `Qemu.pm` `create_disks`: a second cloud-init drive is refused inside the worker with
 * `<drive> - cloud-init drive is already attached at '<key>'`. Returns that message, or undefined.
 */
export function cloudinitConflict(guest: PveGuestState | undefined, values: GuestConfig): string | undefined {
  const added: GuestConfig = {};
  for (const [key, value] of Object.entries(values)) {
    if (!isDiskKey('qemu', key) || !isCloudinitDrive(String(value))) continue;
    const other =
      (guest &&
        (cloudinitDriveKey(guest.config, key) ?? cloudinitDriveKey(guest.pending?.values ?? {}, key))) ??
      cloudinitDriveKey(added, key);
    if (other !== undefined) return `${key} - cloud-init drive is already attached at '${other}'`;
    added[key] = value;
  }
  return undefined;
}

/** qemu-server `QemuServer.pm` `cloudinit_pending_properties`: the cloud-init keys, `name` and every `netN`. */
export function cloudinitValues(config: GuestConfig): GuestConfig {
  const out: GuestConfig = {};
  for (const [k, v] of Object.entries(config)) {
    if (/^(ci\w+|sshkeys|nameserver|searchdomain|ipconfig\d+|net\d+|name)$/.test(k)) out[k] = v;
  }
  return out;
}

/**
 * Regenerates a VM's cloud-init image as qemu-server `Cloudinit.pm` `apply_cloudinit_config` does (at start and on
 * `PUT .../cloudinit`): nothing without a cloud-init drive; `cicustom` files must be snippets
 * (`read_cloudinit_snippets_file`); afterwards the config is in sync with the image.
 */
export function regenerateCloudinit(cluster: ClusterState, guest: PveGuestState): void {
  if (cloudinitDriveKey(guest.config) === undefined) return;
  const custom = guest.config.cicustom;
  if (typeof custom === 'string') {
    for (const volid of Object.values(parseCicustom(custom))) {
      const id = parseVolumeId(volid);
      if (!id || parseVolname(id.volname).vtype !== 'snippets')
        throw fail(`${volid} is not in the snippets directory`);
      if (!cluster.volume(guest.node, volid)) {
        throw fail(`unable to open file '/var/lib/vz/${id.volname}' - No such file or directory`);
      }
    }
  }
  guest.cloudinitBase = cloudinitValues(guest.config);
}

/**
 * qemu-server `Qemu.pm` `create_disks` for `<storage>:cloudinit`: allocates `vm-<vmid>-cloudinit` (`.qcow2` on
 * file-based storages), marks it `media=cdrom`. Returns the new values and the drives allocated.
 */
export function allocateCloudinitDrives(
  cluster: ClusterState,
  vmid: number,
  values: GuestConfig,
): { values: GuestConfig; created: string[] } {
  const out: GuestConfig = { ...values };
  const created: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (!isDiskKey('qemu', key) || typeof value !== 'string') continue;
    const { volume, options } = parseVolumeValue(value);
    const id = parseVolumeId(volume);
    if (id?.volname !== 'cloudinit') continue;
    const def = cluster.storages.get(id.storage);
    if (!def) throw fail(`storage '${id.storage}' does not exist`);
    const fileBased = def.type === 'dir' || def.type === 'nfs';
    const format = options.get('format') ?? (fileBased ? 'qcow2' : 'raw');
    options.delete('format');
    options.set('media', 'cdrom');
    const name = `vm-${vmid}-cloudinit${fileBased ? `.${format}` : ''}`;
    out[key] = [`${id.storage}:${name}`, ...[...options].map(([k, v]) => `${k}=${v}`)].join(',');
    created.push(key);
  }
  return { values: out, created };
}
