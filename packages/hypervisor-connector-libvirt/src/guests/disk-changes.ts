import {
  ConflictError,
  type DiskAdd,
  type DiskRemove,
  type DiskResize,
  type Operation,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { diskElement } from '../domains/domain-builder.js';
import { isOwnDisk } from '../domains/domain-definition.js';
import { buildXml } from '../domains/xml-codec.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { virtioDiskName } from './guest-create.js';
import { diskVolume } from './guest-delete.js';
import {
  checkIfMatch,
  detachFromStopped,
  invalid,
  noSuchSlot,
  readGuestDevices,
} from './guest-devices-read.js';
import { AFFECT_CONFIG, AFFECT_LIVE } from './guest-update.js';
import { createVolume, deleteVolume, lookupPool, resizeVolume, volumeCapacity } from './storage-volumes.js';

const GIB = 1024 ** 3;
/** `VIR_DOMAIN_BLOCK_RESIZE_BYTES`: the size is in bytes, not KiB. */
const BLOCK_RESIZE_BYTES = 1;

const gib = (bytes: number) => `${(bytes / GIB).toFixed(3).replace(/\.?0+$/, '')} GiB`;

/**
 * `resizeDisk`: grows the disk in `slot` (its target, `vda`) to an absolute size. Checked first: the slot is one of
 * the guest's own disks (NOT_FOUND; a CD-ROM is INVALID_ARGUMENT), `ifMatch`, and the size, which only grows
 * (INVALID_ARGUMENT `sizeGiB`, nothing sent; equal: nothing to do). A stopped guest's volume is resized in its pool
 * (`STORAGE_VOL_RESIZE`); a running guest's through QEMU (`DOMAIN_BLOCK_RESIZE` in bytes), which holds the image.
 */
export async function resizeDisk(
  context: LibvirtContext,
  uuid: string,
  slot: string,
  resize: DiskResize,
  signal?: AbortSignal,
): Promise<Operation> {
  const { status, active, definition } = await readGuestDevices(context, uuid, signal);
  const disk = definition.disks.find((d) => d.target === slot);
  if (disk === undefined) throw noSuchSlot(uuid, 'disk', slot);
  if (!isOwnDisk(disk)) throw invalid('slot', `${slot} is a ${disk.device}, not a disk of the guest's own`);
  checkIfMatch(uuid, definition, resize.ifMatch);
  const { host, dom } = status;
  const vol = await diskVolume(host, disk, context.config.pool, signal);
  if (vol === undefined) {
    throw new ConflictError(`disk ${slot} of guest ${uuid} is in no storage pool: it cannot be resized`, {
      retryable: false,
      details: { guestId: uuid, reason: 'disk-outside-pools' },
    });
  }
  const current = await volumeCapacity(host, vol, signal);
  const wanted = Math.round(resize.sizeGiB * GIB);
  if (wanted < current) throw invalid('sizeGiB', `disks only grow; the disk has ${gib(current)}`);
  return context.operations.begin({
    type: 'disk.resize',
    node: context.target.nodeName(host),
    uuid,
    arg: slot,
    raw: { host: host.display, name: dom.name, slot, fromBytes: current, toBytes: wanted },
    work: async (run) => {
      if (wanted === current) return undefined;
      if (active) {
        await host.call(
          P.REMOTE_PROC_DOMAIN_BLOCK_RESIZE,
          { dom, disk: slot, size: BigInt(wanted), flags: BLOCK_RESIZE_BYTES },
          run.closing,
        );
      } else {
        await resizeVolume(host, vol, wanted, run.closing);
      }
      return undefined;
    },
  });
}

/**
 * `addDisk`: a blank qcow2 volume in `storage` (or the target's pool) attached as a virtio disk in `slot` (the next
 * free `vdX` when absent; CONFLICT when taken) — to the configuration, and live too when the guest runs
 * (`DOMAIN_ATTACH_DEVICE_FLAGS`). A failed attach deletes the volume again. The operation's `resourceId` is the slot.
 */
export async function addDisk(
  context: LibvirtContext,
  uuid: string,
  disk: DiskAdd,
  signal?: AbortSignal,
): Promise<Operation> {
  const { status, active, definition } = await readGuestDevices(context, uuid, signal);
  const taken = new Set(definition.disks.map((d) => d.target));
  if (disk.slot !== undefined && !/^vd[a-z]+$/.test(disk.slot)) {
    throw invalid('slot', 'a virtio disk slot: vd and letters, e.g. vdb');
  }
  if (disk.slot !== undefined && taken.has(disk.slot)) {
    throw new ConflictError(`guest ${uuid} already has a device in slot ${disk.slot}`, {
      retryable: false,
      details: { guestId: uuid, reason: 'slot-taken', slot: disk.slot },
    });
  }
  let slot = disk.slot;
  for (let index = 0; slot === undefined; index += 1) {
    if (!taken.has(virtioDiskName(index))) slot = virtioDiskName(index);
  }
  const { host, dom } = status;
  const pool =
    disk.storage === undefined
      ? await lookupPool(host, context.config.pool, signal)
      : await lookupPool(host, disk.storage, signal, 'storage');
  return context.operations.begin({
    type: 'disk.add',
    node: context.target.nodeName(host),
    uuid,
    arg: slot,
    resourceId: slot,
    raw: { host: host.display, name: dom.name, slot },
    work: async (run) => {
      const volume = await createVolume(
        host,
        pool,
        {
          name: `${dom.name}-${uuid.slice(0, 8)}-${slot}.qcow2`,
          capacityBytes: disk.sizeGiB * GIB,
          format: 'qcow2',
        },
        run.closing,
      );
      const xml = buildXml({ disk: diskElement({ path: volume.path, format: 'qcow2', target: slot }) });
      try {
        await host.call(
          P.REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS,
          { dom, xml, flags: active ? AFFECT_CONFIG | AFFECT_LIVE : AFFECT_CONFIG },
          run.closing,
        );
      } catch (error) {
        await deleteVolume(host, volume.vol).catch(() => {});
        throw error;
      }
      return undefined;
    },
  });
}

/**
 * `removeDisk`: detaches the disk in `slot` from a stopped guest's configuration (`DOMAIN_DETACH_DEVICE_FLAGS`),
 * then deletes its volume unless `keepVolume`. A running guest is CONFLICT: a live detach ends only when the guest
 * lets the device go, and its volume may not be deleted before.
 */
export async function removeDisk(
  context: LibvirtContext,
  uuid: string,
  slot: string,
  request: DiskRemove,
  signal?: AbortSignal,
): Promise<Operation> {
  const devices = await readGuestDevices(context, uuid, signal);
  const { definition, status } = devices;
  const index = definition.disks.findIndex((d) => d.target === slot);
  const disk = definition.disks[index];
  if (disk === undefined) throw noSuchSlot(uuid, 'disk', slot);
  if (!isOwnDisk(disk)) throw invalid('slot', `${slot} is a ${disk.device}, not a disk of the guest's own`);
  // Looked up before the detach: afterwards the guest no longer names it.
  const vol = request.keepVolume
    ? undefined
    : await diskVolume(status.host, disk, context.config.pool, signal);
  return detachFromStopped(context, devices, {
    type: 'disk.remove',
    kind: 'disk',
    index,
    slot,
    raw: { keepVolume: request.keepVolume },
    after: async (run) => {
      if (vol !== undefined) await deleteVolume(status.host, vol, run.closing);
    },
  });
}
