import type { DiskAdd, DiskRemove, DiskResize, Operation } from '@hvc/hypervisor-connector';
import { claimSlot, DISK_SLOT, nextDiskSlot } from './guest-devices.js';
import type { GuestRecord, MemoryDisk } from './guest-record.js';
import { InventoryLookup } from './inventory-lookup.js';
import { type MemoryContext, requireMemoryCapability } from './memory-context.js';
import { invalidField, requireIfMatch } from './memory-errors.js';
import { resourceNotFound } from './provisioning-errors.js';

/**
 * Grows a disk to an absolute size, locked `resize` while the operation runs. A running guest needs
 * `disks.resizeRunning`. A smaller size is INVALID_ARGUMENT `sizeGiB`; the same size succeeds without a change; a
 * CD-ROM's slot is INVALID_ARGUMENT `slot`, an unknown one NOT_FOUND; an `ifMatch` that is not the guest's digest
 * CONFLICT.
 */
export function resizeMemoryDisk(
  context: MemoryContext,
  guestId: string,
  slot: string,
  resize: DiskResize,
): Operation {
  const guest = context.state.unlockedGuest(guestId, context.origin);
  if (guest.state === 'running' || guest.state === 'paused') {
    requireMemoryCapability(context, 'disks.resizeRunning', guest.type);
  }
  const disk = diskAt(context, guest, slot);
  requireIfMatch(guest, resize.ifMatch, context.origin);
  if (resize.sizeGiB < disk.sizeGiB) {
    throw invalidField('sizeGiB', `disks only grow; the disk has ${disk.sizeGiB} GiB`, context.origin);
  }
  return context.runner.start({
    type: 'disk.resize',
    guestId: guest.id,
    resourceId: slot,
    node: guest.node,
    locks: () => [{ guest, name: 'resize' }],
    apply: () => {
      disk.sizeGiB = resize.sizeGiB;
    },
  });
}

/**
 * Adds a blank disk in `disk.slot` or the next free disk slot (the operation's `resourceId`). The storage must be on
 * the guest's node and hold disks; a slot of another device class is INVALID_ARGUMENT `slot`, one in use CONFLICT.
 */
export function addMemoryDisk(context: MemoryContext, guestId: string, disk: DiskAdd): Operation {
  const guest = context.state.unlockedGuest(guestId, context.origin);
  if (disk.storage !== undefined) {
    const content = guest.type === 'vm' ? 'disk' : 'container-rootfs';
    new InventoryLookup(context, guest.node).storage(disk.storage, 'storage', content);
  }
  const slot = claimSlot(
    guest,
    disk.slot,
    (used) => nextDiskSlot(guest.type, used),
    {
      pattern: DISK_SLOT[guest.type],
      description: `a disk slot of a ${guest.type} (${guest.type === 'vm' ? 'scsi1, virtio2, ...' : 'rootfs, mp0, ...'})`,
    },
    context.origin,
  );
  const added: MemoryDisk = {
    slot,
    sizeGiB: disk.sizeGiB,
    ...(disk.storage === undefined ? {} : { storage: disk.storage }),
    ...(guest.config.disks.length === 0 ? { boot: true } : {}),
  };
  return context.runner.start({
    type: 'disk.add',
    guestId: guest.id,
    resourceId: slot,
    node: guest.node,
    locks: () => [{ guest, name: 'disk' }],
    apply: () => {
      guest.config.disks.push(added);
    },
  });
}

/**
 * Removes a disk (its volume too, unless `keepVolume`: the memory connector keeps no detached volumes, so either
 * way it is gone from the guest). An unknown slot is NOT_FOUND; a CD-ROM's INVALID_ARGUMENT.
 */
export function removeMemoryDisk(
  context: MemoryContext,
  guestId: string,
  slot: string,
  _request: DiskRemove,
): Operation {
  const guest = context.state.unlockedGuest(guestId, context.origin);
  diskAt(context, guest, slot);
  return context.runner.start({
    type: 'disk.remove',
    guestId: guest.id,
    resourceId: slot,
    node: guest.node,
    locks: () => [{ guest, name: 'disk' }],
    apply: () => {
      guest.config.disks = guest.config.disks.filter((d) => d.slot !== slot);
    },
  });
}

/** The guest's disk in `slot`: INVALID_ARGUMENT for a CD-ROM's slot, NOT_FOUND for a slot without a disk. */
function diskAt(context: MemoryContext, guest: GuestRecord, slot: string): MemoryDisk {
  const disk = guest.config.disks.find((d) => d.slot === slot);
  if (disk !== undefined) return disk;
  if ((guest.config.cdroms ?? []).some((c) => c.slot === slot)) {
    throw invalidField('slot', `${slot} is a CD-ROM drive, not a disk`, context.origin);
  }
  throw resourceNotFound('disk', slot, 'slot', context.origin);
}
