import { InvalidArgumentError } from '@hvc/hypervisor-connector';
import type { PveGuestType } from '../mapping/guest-id.js';

/** pve-common `src/PVE/JSONSchema.pm` `$CONFIGID_RE` (format of `pve-snapshot-name`): two characters at least. */
const PVE_CONFIGID = /^[a-z][a-z0-9_-]+$/i;

/**
 * Refuses, before any request, a snapshot name PVE would refuse: one that is not a `pve-configid` (e.g. a single
 * letter), and on create the reserved names — QEMU `current` and `pending` in any case (qemu-server `Qemu.pm`
 * `snapshot`), LXC `current` and `vzdump` (pve-container `API2/LXC/Snapshot.pm` `snapshot`).
 */
export function checkSnapshotName(type: PveGuestType, name: string, forCreate: boolean): void {
  const problem = !PVE_CONFIGID.test(name)
    ? 'a Proxmox snapshot name is a letter followed by at least one letter, digit, "_" or "-"'
    : forCreate && reservedName(type, name)
      ? `"${name}" is reserved by Proxmox for ${type === 'qemu' ? 'VMs' : 'containers'}`
      : undefined;
  if (problem) {
    throw new InvalidArgumentError(`invalid snapshot name: ${problem}`, {
      violations: [{ field: 'name', message: problem }],
    });
  }
}

function reservedName(type: PveGuestType, name: string): boolean {
  if (name === 'current') return true;
  return type === 'qemu' ? name.toLowerCase() === 'pending' : name === 'vzdump';
}
