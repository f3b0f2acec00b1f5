import type { AuthIdentity } from '../auth/permissions.js';
import { checkVolumeAccess } from '../auth/volume-access.js';
import type { FakeEnv } from '../fake-env.js';
import { fail, paramError } from '../pve-error.js';
import { isDiskKey, parseVolumeValue } from '../state/guest-volumes.js';
import type { GuestConfig } from '../state/model.js';
import { parseVolname, parseVolumeId } from '../state/volume-names.js';

/** qemu-server `src/PVE/QemuServer/Drive.pm` `$NEW_DISK_RE`: `[<storage>:]<size in GiB>`, a disk to allocate. */
export const NEW_DISK_RE = /^(([^/:\s]+):)?(\d+(\.\d+)?)$/;

/** The drives of a QEMU config update (`ideN`, `sataN`, `scsiN`, `virtioN`, `efidisk0`, `tpmstate0`). */
function drives(values: GuestConfig): [string, string][] {
  return Object.entries(values)
    .filter(([k, v]) => isDiskKey('qemu', k) && typeof v === 'string')
    .map(([k, v]) => [k, String(v)]);
}

/**
 * qemu-server `src/PVE/API2/Qemu.pm` `$check_drive_param`: `import-from` only on a new disk of size 0
 * (`<storage ID>:0,import-from=<source>`), and an ISO only as `media=cdrom`.
 */
export function checkDriveParams(env: FakeEnv, values: GuestConfig): void {
  for (const [key, value] of drives(values)) {
    const { volume, options } = parseVolumeValue(value);
    if (options.has('import-from')) {
      const m = NEW_DISK_RE.exec(volume);
      if (!m || Number(m[3]) !== 0) {
        throw paramError({
          [key]: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
        });
      }
    }
    const id = parseVolumeId(volume);
    if (
      id &&
      !NEW_DISK_RE.test(volume) &&
      id.volname !== 'cloudinit' &&
      env.cluster.storages.has(id.storage)
    ) {
      if (parseVolname(id.volname).vtype === 'iso' && options.get('media') !== 'cdrom') {
        throw paramError({ [key]: "explicit 'media=cdrom' is required for iso images" });
      }
    }
  }
}

/**
 * qemu-server `src/PVE/API2/Qemu.pm` `$check_storage_access` for the drives of a create or config update: a new disk
 * needs `Datastore.AllocateSpace` on its storage and `images` content there; an `import-from` source must be an
 * `images` or `import` volume, readable by the caller (`VM.Clone` on its owner VM, else `check_volume_access`).
 */
export function checkStorageAccess(
  env: FakeEnv,
  who: AuthIdentity,
  vmid: number,
  values: GuestConfig,
  defaultStorage: string | undefined,
): void {
  for (const [key, value] of drives(values)) {
    const { volume, options } = parseVolumeValue(value);
    const cdrom = options.get('media') === 'cdrom';
    const id = parseVolumeId(volume);
    if (volume === 'none' || volume === 'cloudinit' || id?.volname === 'cloudinit') {
      // allocated later in create_disks, checked there
    } else if (cdrom && volume === 'cdrom') {
      env.perms.check(who, '/', ['Sys.Console']);
    } else if (!cdrom && NEW_DISK_RE.test(volume)) {
      const storage = NEW_DISK_RE.exec(volume)?.[2] ?? defaultStorage;
      if (storage === undefined) throw fail('no storage ID specified (and no default storage)');
      env.perms.check(who, `/storage/${storage}`, ['Datastore.AllocateSpace']);
      const def = env.cluster.storages.get(storage);
      if (!def) throw fail(`storage '${storage}' does not exist`);
      if (!def.content.includes('images')) {
        throw paramError({ storage: `storage '${storage}' does not support vm images` });
      }
    }
    const source = options.get('import-from');
    if (source === undefined) continue;
    const src = parseVolumeId(source);
    let owner: number | undefined;
    if (src) {
      if (!env.cluster.storages.has(src.storage)) throw fail(`storage '${src.storage}' does not exist`);
      const parsed = parseVolname(src.volname);
      owner = parsed.owner;
      if (parsed.vtype !== 'images' && parsed.vtype !== 'import') {
        throw paramError({
          [key]: `${source} has wrong type '${parsed.vtype}' - needs to be 'images' or 'import'`,
        });
      }
    }
    if (owner !== undefined) env.perms.check(who, `/vms/${owner}`, ['VM.Clone']);
    else checkVolumeAccess(env, who, vmid, source);
  }
}
