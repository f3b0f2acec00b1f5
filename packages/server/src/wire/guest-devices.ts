import type { AddDiskRequest, AddNicRequest, RemoveDiskRequest, ResizeDiskRequest } from '@hvc/client/v1';
import {
  DeviceSlotSchema,
  type DiskAddInput,
  DiskAddSchema,
  type DiskRemoveInput,
  DiskRemoveSchema,
  type DiskResizeInput,
  DiskResizeSchema,
  type NicAddInput,
  NicAddSchema,
} from '@hvc/hypervisor-connector';
import { compact } from './compact.js';
import { nicFromProto } from './guest-spec.js';
import { parseProtoInput } from './proto-field-path.js';

/** The device slot a request names, validated (INVALID_ARGUMENT `slot`). */
export function parseSlot(slot: string): string {
  return parseProtoInput(DeviceSlotSchema, slot, 'slot');
}

/** The contract's resize of a ResizeDisk request, validated. */
export function diskResizeFromProto(req: ResizeDiskRequest): DiskResizeInput {
  return parseProtoInput(DiskResizeSchema, compact({ sizeGiB: req.sizeGib, ifMatch: req.ifMatch }), '');
}

/** The contract's disk of an AddDisk request, validated. */
export function diskAddFromProto(req: AddDiskRequest): DiskAddInput {
  return parseProtoInput(
    DiskAddSchema,
    compact({ sizeGiB: req.sizeGib, storage: req.storage, slot: req.slot }),
    '',
  );
}

/** The contract's removal of a RemoveDisk request, validated. */
export function diskRemoveFromProto(req: RemoveDiskRequest): DiskRemoveInput {
  return parseProtoInput(DiskRemoveSchema, { keepVolume: req.keepVolume }, '');
}

/** The contract's NIC of an AddNic request, validated; its fields are named under `nic`, the slot as `slot`. */
export function nicAddFromProto(req: AddNicRequest): NicAddInput {
  const slot = req.slot === undefined ? undefined : parseSlot(req.slot);
  const nic = parseProtoInput(NicAddSchema, req.nic ? nicFromProto(req.nic) : {}, 'nic');
  return slot === undefined ? nic : { ...nic, slot };
}
