import type { DiskSpec, GuestType, NicSpec } from '@hvc/hypervisor-connector';
import type { GuestConfig, GuestRecord, MemoryDisk, MemoryNic } from './guest-record.js';
import { type ErrorOrigin, invalidField } from './memory-errors.js';
import { provisioningConflict } from './provisioning-errors.js';

/** The slots a guest's disks take: `scsi0`, `scsi1`... on a VM; `rootfs`, then `mp0`, `mp1`... on a container. */
export const DISK_SLOT: Readonly<Record<GuestType, RegExp>> = {
  vm: /^(scsi|virtio|sata|ide)\d+$/,
  container: /^(rootfs|mp\d+)$/,
};
/** The slots of NICs: `net0`, `net1`... */
export const NIC_SLOT = /^net\d+$/;

/** Every slot the guest's disks, CD-ROMs and NICs hold. */
export function usedSlots(config: GuestConfig): Set<string> {
  return new Set([
    ...config.disks.map((d) => d.slot),
    ...(config.cdroms ?? []).map((c) => c.slot),
    ...config.nics.map((n) => n.slot),
  ]);
}

/** The first free disk slot of a guest of `type`. */
export function nextDiskSlot(type: GuestType, used: ReadonlySet<string>): string {
  if (type === 'container' && !used.has('rootfs')) return 'rootfs';
  return nextSlot(type === 'vm' ? 'scsi' : 'mp', used);
}

/** The first free `<prefix><n>`. */
export function nextSlot(prefix: string, used: ReadonlySet<string>): string {
  for (let index = 0; ; index += 1) {
    if (!used.has(`${prefix}${index}`)) return `${prefix}${index}`;
  }
}

/** A locally administered, stable MAC address for NIC `index` of guest number `vmid`. */
export function macAddressFor(vmid: number, index: number): string {
  const bytes = [0x52, 0x54, 0x00, (vmid >> 8) & 0xff, vmid & 0xff, index & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Disks of a spec in new slots after those in `used` (which it fills); the first of a blank guest boots. */
export function slottedDisks(type: GuestType, disks: readonly DiskSpec[], used: Set<string>): MemoryDisk[] {
  const first = used.size === 0;
  return disks.map((disk, index) => {
    const slot = nextDiskSlot(type, used);
    used.add(slot);
    return { ...structuredClone(disk), slot, ...(first && index === 0 ? { boot: true } : {}) };
  });
}

/** NICs of a spec in `net0`, `net1`..., each with its given MAC address or a stable one for `vmid`. */
export function slottedNics(nics: readonly NicSpec[], vmid: number): MemoryNic[] {
  return nics.map((nic, index) => ({
    ...structuredClone(nic),
    slot: `net${index}`,
    macAddress: nic.macAddress ?? macAddressFor(vmid, index),
  }));
}

/**
 * The slot a new device takes: `asked`, else `next`. INVALID_ARGUMENT `slot` when it does not match `form` (whose
 * `description` says what does), CONFLICT (reason `SLOT_IN_USE`) when a device of the guest holds it.
 */
export function claimSlot(
  guest: GuestRecord,
  asked: string | undefined,
  next: (used: ReadonlySet<string>) => string,
  form: { readonly pattern: RegExp; readonly description: string },
  from: ErrorOrigin,
): string {
  const used = usedSlots(guest.config);
  const slot = asked ?? next(used);
  if (!form.pattern.test(slot)) throw invalidField('slot', `not ${form.description}`, from);
  if (used.has(slot)) {
    throw provisioningConflict(
      'SLOT_IN_USE',
      `slot ${slot} of guest ${guest.id} is in use`,
      { guestId: guest.id, slot },
      from,
    );
  }
  return slot;
}
