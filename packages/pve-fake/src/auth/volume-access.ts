import type { FakeEnv } from '../fake-env.js';
import { fail } from '../pve-error.js';
import { parseVolname, parseVolumeId } from '../state/volume-names.js';
import type { AuthIdentity } from './permissions.js';

/**
 * pve-storage `src/PVE/Storage.pm` `check_volume_access`: `Datastore.Allocate` on the storage grants everything;
 * ISOs, templates and import images need `Datastore.AllocateSpace` or `Datastore.Audit`; the owner VM may use its own
 * disks; another VM's disks need `Datastore.Audit` plus `VM.Config.Disk` on the owner; backups
 * `Datastore.AllocateSpace` plus `VM.Backup`; an absolute path is for root@pam only.
 */
export function checkVolumeAccess(
  env: FakeEnv,
  who: AuthIdentity,
  vmid: number | undefined,
  volid: string,
): void {
  const id = parseVolumeId(volid);
  if (!id) {
    if (who.authid !== 'root@pam') throw fail('Only root can pass arbitrary filesystem paths.');
    return;
  }
  const path = `/storage/${id.storage}`;
  if (env.perms.has(who, path, 'Datastore.Allocate')) return;
  const { vtype, owner } = parseVolname(id.volname);
  if (vtype === 'iso' || vtype === 'vztmpl' || vtype === 'import') {
    env.perms.check(who, path, ['Datastore.AllocateSpace', 'Datastore.Audit'], true);
  } else if (owner !== undefined && owner === vmid) {
    // the owner VM may use its own volumes
  } else if (vtype === 'backup' && owner !== undefined) {
    env.perms.check(who, path, ['Datastore.AllocateSpace']);
    env.perms.check(who, `/vms/${owner}`, ['VM.Backup']);
  } else if ((vtype === 'images' || vtype === 'rootdir') && owner !== undefined) {
    env.perms.check(who, path, ['Datastore.Audit']);
    env.perms.check(who, `/vms/${owner}`, ['VM.Config.Disk']);
  } else {
    throw fail(`missing privileges to access ${volid}`);
  }
}
