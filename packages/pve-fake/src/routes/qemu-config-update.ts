import type { AuthIdentity } from '../auth/permissions.js';
import type { FakeEnv } from '../fake-env.js';
import { bootOrder } from '../params/boot-format.js';
import type { Params } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { allocateCloudinitDrives, cloudinitConflict, isCloudinitDrive } from '../state/cloudinit-drive.js';
import { storedCipassword } from '../state/cloudinit-password.js';
import { isDiskKey } from '../state/guest-volumes.js';
import type { GuestConfig, PveGuestState } from '../state/model.js';
import { uriUnescape, validateSshPublicKeys } from '../state/ssh-public-keys.js';

/** Parameters `$update_vm_api` extracts before it builds its log line. */
const NOT_LOGGED = new Set(['node', 'vmid', 'digest', 'background_delay']);

/**
 * qemu-server `API2/Qemu.pm` `$update_vm_api`'s task log line: `update VM <vmid>: -key value ...` over the sorted
 * parameters, the password as `<hidden>`.
 */
export function updateLogLine(vmid: number, params: Params): string {
  const parts = Object.keys(params)
    .filter((k) => !NOT_LOGGED.has(k))
    .sort()
    .flatMap((k) => {
      const v = params[k];
      return [`-${k}`, k === 'cipassword' ? '<hidden>' : String(typeof v === 'boolean' ? (v ? 1 : 0) : v)];
    });
  return `update VM ${vmid}: ${parts.join(' ')}`;
}

/** `$update_vm_api`: `sshkeys` are unescaped and each line validated before anything else. */
export function checkSshKeysParam(params: Params): void {
  if (typeof params.sshkeys === 'string') validateSshPublicKeys(uriUnescape(params.sshkeys));
}

/**
 * The privilege checks qemu-server makes per key that differ from the plain key → privilege map: a cloud-init drive
 * needs `VM.Config.Cloudinit` and `VM.Config.CDROM`, a CD-ROM `VM.Config.CDROM` (`$check_drive_perms`); cloud-init
 * keys need `VM.Config.Cloudinit` or `VM.Config.Network` (`$check_vm_modify_config_perm`). False: not such a key.
 */
export function checkQemuKeyPrivilege(
  env: FakeEnv,
  who: AuthIdentity,
  path: string,
  key: string,
  value: string | undefined,
): boolean {
  if (isDiskKey('qemu', key) && value !== undefined) {
    if (isCloudinitDrive(value)) env.perms.check(who, path, ['VM.Config.Cloudinit', 'VM.Config.CDROM']);
    else if (/(^|,)media=cdrom(,|$)/.test(value) || value.split(',')[0] === 'cdrom')
      env.perms.check(who, path, ['VM.Config.CDROM']);
    else return false;
    return true;
  }
  if (
    /^(ipconfig\d+|ciuser|cipassword|citype|ciupgrade|cicustom|sshkeys|nameserver|searchdomain)$/.test(key)
  ) {
    env.perms.check(who, path, ['VM.Config.Cloudinit', 'VM.Config.Network'], true);
    return true;
  }
  return false;
}

/** A QEMU config update's values after the API's own rewriting, and what the worker still has to check or log. */
export interface PreparedQemuValues {
  readonly values: GuestConfig;
  /** Drives that got a new cloud-init volume (`<drive>: successfully created disk ...`). */
  readonly cloudinitDrives: readonly string[];
  /** `create_disks`' one-cloud-init-drive error, raised in the worker. */
  readonly cloudinitConflict?: string;
}

/** `$update_vm_api` on the values: `cipassword` hashed (`encrypt_pw`), `<storage>:cloudinit` allocated. */
export function prepareQemuValues(env: FakeEnv, g: PveGuestState, values: GuestConfig): PreparedQemuValues {
  const out: GuestConfig = { ...values };
  if (typeof out.cipassword === 'string') out.cipassword = storedCipassword(out.cipassword, g.config.ostype);
  const conflict = cloudinitConflict(g, out);
  const { values: allocated, created } = allocateCloudinitDrives(env.cluster, g.vmid, out);
  return { values: allocated, cloudinitDrives: created, cloudinitConflict: conflict };
}

/**
 * `$update_vm_api` writing `boot`: every `order=` device must be in the config, its pending section or this update,
 * and not deleted by it — else `invalid bootorder: device '<dev>' does not exist'` (sic).
 */
export function checkBootOrder(g: PveGuestState, values: GuestConfig, deletes: readonly string[]): void {
  if (typeof values.boot !== 'string') return;
  for (const dev of bootOrder(values.boot)) {
    const exists = g.config[dev] ?? g.pending?.values[dev] ?? values[dev];
    if (exists === undefined || deletes.includes(dev)) {
      throw fail(`invalid bootorder: device '${dev}' does not exist'`);
    }
  }
}
