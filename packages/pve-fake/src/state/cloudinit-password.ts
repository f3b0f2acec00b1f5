import { createHash } from 'node:crypto';
import { shaCrypt } from '@hvc/hypervisor-connector-kit/cloud-init';

/** The hashes cloud-init passes on unchanged (`Qemu.pm` `$update_vm_api`: "Same logic as in cloud-init ..."). */
const CRYPTED = /^\$(?:[156]|2[ay])(\$.+){2}/;

/** qemu-server `QemuServer/Helpers.pm` `windows_version`: whether an ostype is a Windows one. */
const isWindows = (ostype: unknown): boolean =>
  typeof ostype === 'string' && /^(?:wxp|w2k|w2k3|w2k8|wvista|win\d+)$/.test(ostype);

let saltStarter = 0;

/**
 * What `$update_vm_api` stores for `cipassword`: `PVE::Tools::encrypt_pw` (`$5$`, SHA-256 crypt, an 8 character salt
 * from `sha1_base64(time + counter + pid)` with `+` → `X`) unless the value already is a crypt hash or the VM is a
 * Windows one. (`create_vm` stores the value as given.)
 */
export function storedCipassword(value: string, ostype: unknown): string {
  if (isWindows(ostype) || CRYPTED.test(value)) return value;
  saltStarter++;
  const salt = createHash('sha1')
    .update(String(Math.floor(Date.now() / 1000) + saltStarter + process.pid))
    .digest('base64')
    .slice(0, 8)
    .replace(/\+/g, 'X');
  // `encrypt_pw` hands crypt(3) the setting `$5$<salt>`: SHA-256, 5 000 rounds left unwritten.
  return shaCrypt(value, { algorithm: 'sha256', salt, rounds: 'implicit' });
}
