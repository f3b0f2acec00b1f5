import { z } from 'zod';
import { DiskSpecSchema, NicSpecFields } from './guest-spec.js';

/** A device slot as `getGuestConfig` reports it: `scsi0`, `net1`, `vda`, `vnet2`... */
export const DeviceSlotSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,15}$/, 'not a device slot (lower-case letters and digits, e.g. scsi1 or vdb)');

/** The new size of one disk. */
export const DiskResizeSchema = z.strictObject({
  /**
   * The new absolute size in GiB — never a delta, so a retried resize grows once. Smaller than the disk:
   * INVALID_ARGUMENT `sizeGiB` (disks only grow); equal: nothing to do.
   */
  sizeGiB: z
    .number()
    .positive()
    .max(1024 * 1024),
  /** Apply only if the configuration is still at this version (`GuestConfig.digest`). */
  ifMatch: z.string().min(1).max(128).optional(),
});

/** A disk added to an existing guest. */
export const DiskAddSchema = DiskSpecSchema.extend({
  /** The slot to use; the next free one of the guest's disk bus when absent. CONFLICT when it is taken. */
  slot: DeviceSlotSchema.optional(),
});

/** How to remove a disk. */
export const DiskRemoveSchema = z.strictObject({
  /** Keep the volume (PVE: as `unusedN`; libvirt: in its pool). Default: the volume is destroyed. */
  keepVolume: z.boolean().default(false),
});

/** A NIC added to an existing guest. */
export const NicAddSchema = z
  .strictObject({
    ...NicSpecFields,
    /** The slot to use (`net2`); the next free one when absent. CONFLICT when it is taken. */
    slot: DeviceSlotSchema.optional(),
  })
  .refine((nic) => (nic.bridge === undefined) !== (nic.network === undefined), {
    message: 'exactly one of network and bridge',
    path: ['network'],
  })
  .transform(({ network, bridge, ...rest }) => ({ ...rest, bridge: (network ?? bridge) as string }));

/** A validated disk resize. */
export type DiskResize = z.output<typeof DiskResizeSchema>;
/** A disk resize as callers write it. */
export type DiskResizeInput = z.input<typeof DiskResizeSchema>;
/** A validated disk addition. */
export type DiskAdd = z.output<typeof DiskAddSchema>;
/** A disk addition as callers write it. */
export type DiskAddInput = z.input<typeof DiskAddSchema>;
/** A validated disk removal. */
export type DiskRemove = z.output<typeof DiskRemoveSchema>;
/** A disk removal as callers write it. */
export type DiskRemoveInput = z.input<typeof DiskRemoveSchema>;
/** A validated NIC addition; `bridge` holds the network either field named. */
export type NicAdd = z.output<typeof NicAddSchema>;
/** A NIC addition as callers write it. */
export type NicAddInput = z.input<typeof NicAddSchema>;
