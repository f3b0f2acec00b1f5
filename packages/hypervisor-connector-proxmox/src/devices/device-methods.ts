import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  type Operation,
} from '@hvc/hypervisor-connector';
import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPreconditions } from '../guests/guest-preconditions.js';
import { guestCheck, guestPath, onGuest } from '../guests/guest-scope.js';
import { configDrives, guestConfigFromPve, isCdrom } from '../mapping/guest-config-mapping.js';
import { contractGuestType, type PveGuestRef } from '../mapping/guest-id.js';
import { vmNic } from '../mapping/guest-params.js';
import { parseDriveSize, parsePropertyString } from '../mapping/property-string.js';
import { SourceChecks } from '../provisioning/source-checks.js';
import { PveSnapshotsSchema } from '../schemas/guests.js';
import { doneOperation } from '../tasks/done-operation.js';
import { startTask } from '../tasks/task-start.js';
import { isDiskSlot, nextFreeSlot } from './device-slots.js';
import { readGuestConfig } from './guest-config-read.js';

const GiB = 1024 ** 3;

type DeviceMethod =
  | 'getGuestConfig'
  | 'convertToTemplate'
  | 'resizeDisk'
  | 'addDisk'
  | 'removeDisk'
  | 'addNic'
  | 'removeNic';

/**
 * A guest's devices and their changes: the config read as the contract's `GuestConfig`, template conversion, disk
 * resize (absolute sizes, grow only), disks and NICs added (the next free slot, returned as the operation's
 * `resourceId`) and removed. Each change is checked against the config first, so a bad slot or a shrink is refused
 * before anything is sent; a VM's config change runs as a `qmconfig` task.
 */
export function deviceMethods(pve: ProxmoxContext): Pick<ConnectorImplementation<PveGuestRef>, DeviceMethod> {
  const { defaultStorage } = pve.config;
  const origin = pve.origin;
  const noSuchDevice = (ref: PveGuestRef, slot: string, resource: 'disk' | 'nic') =>
    new NotFoundError(`guest ${ref.id} has no ${resource === 'disk' ? 'disk' : 'NIC'} ${slot}`, {
      ...origin,
      details: { resource, id: slot, field: 'slot', guestId: ref.id },
    });
  const slotTaken = (ref: PveGuestRef, slot: string) =>
    new ConflictError(`slot ${slot} of guest ${ref.id} is taken`, {
      ...origin,
      retryable: false,
      details: { reason: 'SLOT_TAKEN', slot, guestId: ref.id },
    });
  /** A VM config change: `POST .../config`, a `qmconfig` task. */
  const configTask = (
    ref: PveGuestRef,
    node: string,
    params: Record<string, string | number | boolean | undefined>,
    type: 'disk.add' | 'disk.remove' | 'nic.add' | 'nic.remove',
    slot: string,
    signal: AbortSignal | undefined,
  ): Promise<Operation> =>
    startTask(
      pve,
      { method: 'POST', path: `${guestPath(ref, node)}/config`, params, node, signal },
      { type, guestId: ref.id, resourceId: slot },
    );

  return {
    getGuestConfig: (ref, { signal }) =>
      onGuest(pve, ref, signal, async (node) =>
        guestConfigFromPve(ref.id, ref.type, await readGuestConfig(pve, ref, node, signal)),
      ),

    convertToTemplate: (ref, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        const config = await readGuestConfig(pve, ref, node, signal);
        if (guestConfigFromPve(ref.id, ref.type, config).template) {
          return doneOperation('template.convert', ref.id);
        }
        const check = guestCheck(pve, ref, node, signal);
        const [status, snapshots] = await Promise.all([
          guestPreconditions.status(check),
          pve.client.get(`${guestPath(ref, node)}/snapshot`, undefined, PveSnapshotsSchema, { node, signal }),
        ]);
        if (status.status !== 'stopped') {
          throw new ConflictError(`cannot convert guest ${ref.id} to a template: it is ${status.status}`, {
            ...origin,
            retryable: false,
            details: { reason: 'GUEST_RUNNING', guestId: ref.id },
          });
        }
        if (snapshots.some((snapshot) => snapshot.name !== 'current')) {
          throw new ConflictError(`cannot convert guest ${ref.id} to a template: it has snapshots`, {
            ...origin,
            retryable: false,
            details: { reason: 'HAS_SNAPSHOTS', guestId: ref.id },
          });
        }
        await guestPreconditions.idle(check);
        const path = `${guestPath(ref, node)}/template`;
        if (ref.type === 'lxc') {
          // pve-container converts synchronously and answers null.
          await pve.client.call('POST', path, undefined, undefined, { node, signal });
          return doneOperation('template.convert', ref.id);
        }
        return startTask(
          pve,
          { method: 'POST', path, node, signal },
          { type: 'template.convert', guestId: ref.id },
        );
      }),

    resizeDisk: (ref, slot, resize, context) =>
      onGuest(pve, ref, context.signal, async (node) => {
        const { signal } = context;
        const config = await readGuestConfig(pve, ref, node, signal);
        const value = configDrives(ref.type, config).find((drive) => drive.slot === slot)?.value;
        if (value === undefined) throw noSuchDevice(ref, slot, 'disk');
        if (ref.type === 'qemu' && isCdrom(value)) {
          throw new InvalidArgumentError(`${slot} of guest ${ref.id} is a CD-ROM; only disks are resized`, {
            ...origin,
            violations: [{ field: 'slot', message: 'a CD-ROM cannot be resized' }],
          });
        }
        const current = parseDriveSize(parsePropertyString(value).members.get('size')) ?? 0;
        const wanted = Math.ceil(resize.sizeGiB * GiB);
        if (wanted < current) {
          const has = `${Number((current / GiB).toFixed(3))} GiB`;
          throw new InvalidArgumentError(`disks only grow: ${slot} of guest ${ref.id} has ${has}`, {
            ...origin,
            violations: [{ field: 'sizeGiB', message: `disks only grow; the disk has ${has}` }],
          });
        }
        if (resize.ifMatch !== undefined && resize.ifMatch !== config.digest) {
          throw new ConflictError(`guest ${ref.id} changed since digest ${resize.ifMatch}`, {
            ...origin,
            retryable: false,
            details: { reason: 'DIGEST_MISMATCH', guestId: ref.id },
          });
        }
        if (wanted === current) return doneOperation('disk.resize', ref.id, slot);
        const status = await guestPreconditions.status(guestCheck(pve, ref, node, signal));
        if (status.status === 'running')
          await context.require('disks.resizeRunning', contractGuestType(ref.type));
        // An absolute size in bytes: a resize sent again is a no-op, never a second growth.
        return startTask(
          pve,
          {
            method: 'PUT',
            path: `${guestPath(ref, node)}/resize`,
            params: { disk: slot, size: String(wanted), digest: resize.ifMatch },
            node,
            signal,
          },
          { type: 'disk.resize', guestId: ref.id, resourceId: slot },
        );
      }),

    addDisk: (ref, disk, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        const config = await readGuestConfig(pve, ref, node, signal);
        const slot = disk.slot ?? nextFreeSlot(config, diskBus(config));
        if (slot === undefined) throw slotTaken(ref, `${diskBus(config)}*`);
        if (!isDiskSlot(slot)) {
          throw new InvalidArgumentError(`${slot} is not a VM disk slot`, {
            ...origin,
            violations: [
              { field: 'slot', message: 'not a disk slot (scsi0-30, virtio0-15, sata0-5, ide0-3)' },
            ],
          });
        }
        if (config[slot] !== undefined) throw slotTaken(ref, slot);
        if (disk.storage !== undefined) {
          await new SourceChecks(pve, node, signal).storage(disk.storage, 'storage', ['disk']);
        }
        const value = `${disk.storage ?? defaultStorage}:${disk.sizeGiB}`;
        return configTask(ref, node, { [slot]: value }, 'disk.add', slot, signal);
      }),

    removeDisk: (ref, slot, request, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        const config = await readGuestConfig(pve, ref, node, signal);
        const value = configDrives(ref.type, config).find((drive) => drive.slot === slot)?.value;
        if (value === undefined) throw noSuchDevice(ref, slot, 'disk');
        if (isCdrom(value)) {
          throw new InvalidArgumentError(`${slot} of guest ${ref.id} is a CD-ROM, not a disk`, {
            ...origin,
            violations: [{ field: 'slot', message: 'a CD-ROM, not a disk' }],
          });
        }
        // Without force PVE keeps the volume as `unusedN`; with it the volume is destroyed.
        const params = { delete: slot, ...(request.keepVolume ? {} : { force: true }) };
        return configTask(ref, node, params, 'disk.remove', slot, signal);
      }),

    addNic: (ref, nic, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        const config = await readGuestConfig(pve, ref, node, signal);
        const slot = nic.slot ?? nextFreeSlot(config, 'net');
        if (slot === undefined) throw slotTaken(ref, 'net*');
        if (!/^net([0-9]|[12][0-9]|3[01])$/.test(slot)) {
          throw new InvalidArgumentError(`${slot} is not a NIC slot`, {
            ...origin,
            violations: [{ field: 'slot', message: 'not a NIC slot (net0-net31)' }],
          });
        }
        if (config[slot] !== undefined) throw slotTaken(ref, slot);
        await new SourceChecks(pve, node, signal).network(nic.bridge, 'network');
        const { slot: _slot, ...spec } = nic;
        return configTask(ref, node, { [slot]: vmNic(spec) }, 'nic.add', slot, signal);
      }),

    removeNic: (ref, slot, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        const config = await readGuestConfig(pve, ref, node, signal);
        const index = /^net(\d+)$/.exec(slot)?.[1];
        if (index === undefined || config[slot] === undefined) throw noSuchDevice(ref, slot, 'nic');
        const ipconfig = `ipconfig${index}`;
        const remove = config[ipconfig] === undefined ? slot : `${slot},${ipconfig}`;
        return configTask(ref, node, { delete: remove }, 'nic.remove', slot, signal);
      }),
  };
}

/** The bus new disks of a VM go on: its boot disk's, else `scsi`. */
function diskBus(config: Readonly<Record<string, unknown>>): string {
  const first = configDrives('qemu', config).find((drive) => !isCdrom(drive.value));
  const bus = first === undefined ? 'scsi' : (/^[a-z]+/.exec(first.slot)?.[0] ?? 'scsi');
  return bus === 'ide' ? 'scsi' : bus;
}
