import { formatErrors } from './cloudinit-formats.js';
import { splitList } from './formats.js';

/** qemu-server `src/PVE/QemuServer/Drive.pm` `is_valid_drivename` (without `efidisk0`/`tpmstate0`, as boot needs). */
const DRIVE = /^(?:ide[0-3]|sata[0-5]|scsi(?:[0-9]|[12][0-9]|30)|virtio(?:[0-9]|1[0-5]))$/;

/**
 * qemu-server `src/PVE/QemuServer.pm` `verify_bootdev`: a drive name (not `efidisk`/`tpmstate`), or `netN`, `usbN`,
 * `hostpciN` with N in their config ranges.
 */
function isBootDevice(dev: string): boolean {
  if (DRIVE.test(dev)) return true;
  const m = /^(net|usb|hostpci)(\d+)$/.exec(dev);
  if (!m || String(Number(m[2])) !== m[2]) return false;
  return Number(m[2]) < { net: 32, usb: 14, hostpci: 16 }[m[1] as 'net' | 'usb' | 'hostpci'];
}

/** The `order=` devices of a `boot` value, empty when it has none. */
export function bootOrder(value: string): string[] {
  for (const part of value.split(',')) {
    if (part.startsWith('order=')) return splitList(part.slice('order='.length));
  }
  return [];
}

/**
 * `pve-qm-boot` (qemu-server `QemuServer.pm` `$boot_fmt`): `[legacy=]<[acdn]{1,4}>` and `order=<dev;dev...>`
 * (`pve-qm-bootdev-list`, each through `verify_bootdev`).
 */
export function checkBoot(value: string, name: string): string | undefined {
  const errors: [string, string][] = [];
  let legacySeen = false;
  for (const part of value.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const m = /^([^=]+)=(.+)$/.exec(part);
    const [key, v] = m ? [m[1]!, m[2]!] : part.includes('=') ? ['', ''] : ['legacy', part];
    if (key === '') return 'missing key in comma-separated list property';
    if (key === 'legacy') {
      if (legacySeen) return 'duplicate key in comma-separated list property: legacy';
      legacySeen = true;
      if (!/^[acdn]{1,4}$/.test(v)) errors.push([`${name}.legacy`, 'value does not match the regex pattern']);
    } else if (key === 'order') {
      const bad = splitList(v).find((d) => !isBootDevice(d));
      if (bad !== undefined)
        errors.push([`${name}.order`, `invalid format - invalid boot device '${bad}'\n`]);
    } else {
      return `invalid key in comma-separated list property: ${key}`;
    }
  }
  return formatErrors(errors);
}
