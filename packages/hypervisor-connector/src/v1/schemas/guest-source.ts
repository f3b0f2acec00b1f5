import { z } from 'zod';
import { GuestIdSchema, ResourceNameSchema, VolumeIdSchema } from './identifiers.js';

/** A template guest to clone; the clone is then configured with the rest of the spec. Capability `sources.template`. */
export const TemplateSourceSchema = z.strictObject({
  kind: z.literal('template'),
  /** The template guest, as `listImages` (kind `template`) or `listGuests` name it. */
  guestId: GuestIdSchema,
  /** `linked` shares the template's disks (capability `clone.linked` too). */
  mode: z.enum(['full', 'linked']).default('full'),
});

/** A disk image (`Image.kind === 'disk-image'`, e.g. a cloud image) copied into the boot disk. Capability `sources.image`. */
export const ImageSourceSchema = z.strictObject({
  kind: z.literal('image'),
  volumeId: VolumeIdSchema,
});

/** An ISO attached as a CD-ROM that the VM boots from first (an installer). Capability `sources.iso`. */
export const IsoSourceSchema = z.strictObject({
  kind: z.literal('iso'),
  volumeId: VolumeIdSchema,
});

/** What a new VM starts from. Absent: an empty VM with blank disks, as before sources existed. */
export const GuestSourceSchema = z.discriminatedUnion('kind', [
  TemplateSourceSchema,
  ImageSourceSchema,
  IsoSourceSchema,
]);

/** The disk a template's or an image's boot disk becomes. */
export const BootDiskSpecSchema = z.strictObject({
  /**
   * Grow it to this size (GiB). Below the source disk's size: INVALID_ARGUMENT `bootDisk.sizeGiB`, disks only grow.
   * The source's size when absent.
   */
  sizeGiB: z
    .number()
    .positive()
    .max(1024 * 1024)
    .optional(),
  /** Where the copy goes; the template's storage, or the connector's default for an image, when absent. */
  storage: ResourceNameSchema.optional(),
});

/** Device classes a VM may boot from. */
export const BOOT_DEVICES = ['disk', 'cdrom', 'network'] as const;
/** One of {@link BOOT_DEVICES}. */
export type BootDevice = (typeof BOOT_DEVICES)[number];

/** Device classes in boot order, each at most once. Capability `bootOrder`. */
export const BootOrderSchema = z
  .array(z.enum(BOOT_DEVICES))
  .min(1)
  .max(BOOT_DEVICES.length)
  .refine((order) => new Set(order).size === order.length, 'each device class at most once');

/** A validated guest source. */
export type GuestSource = z.output<typeof GuestSourceSchema>;
/** A guest source as callers write it. */
export type GuestSourceInput = z.input<typeof GuestSourceSchema>;
/** A validated boot disk spec. */
export type BootDiskSpec = z.output<typeof BootDiskSpecSchema>;
