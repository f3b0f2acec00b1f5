import { z } from 'zod';
import {
  GuestNameSchema,
  NodeNameSchema,
  ProviderOptionsSchema,
  ResourceNameSchema,
  TagSchema,
  VolumeIdSchema,
} from './identifiers.js';

/** Largest memory a guest may be given, in MiB (16 TiB). */
export const MAX_MEMORY_MIB = 16 * 1024 * 1024;

/** One disk of a new guest. For containers the first disk is the root filesystem. */
export const DiskSpecSchema = z.strictObject({
  /** Size in GiB. */
  sizeGiB: z
    .number()
    .positive()
    .max(1024 * 1024),
  /** Storage to allocate on; the connector's default when absent. */
  storage: ResourceNameSchema.optional(),
});

/** One network interface of a new guest. */
export const NicSpecSchema = z.strictObject({
  /** The bridge to attach to, e.g. `vmbr0`. */
  bridge: ResourceNameSchema,
  /** NIC model for VMs. */
  model: z.enum(['virtio', 'e1000', 'rtl8139', 'vmxnet3']).optional(),
  /** 802.1Q VLAN tag. */
  vlan: z.number().int().min(1).max(4094).optional(),
  /** A fixed MAC address; generated when absent. */
  macAddress: z
    .string()
    .regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, 'not a MAC address')
    .optional(),
  firewall: z.boolean().optional(),
});

const commonSpec = {
  name: GuestNameSchema,
  /** The node to create on; the connector picks one when absent. */
  node: NodeNameSchema.optional(),
  cpus: z.number().int().min(1).max(1024).default(1),
  memoryMiB: z.number().int().min(16).max(MAX_MEMORY_MIB).default(512),
  disks: z.array(DiskSpecSchema).max(30).default([]),
  nics: z.array(NicSpecSchema).max(32).default([]),
  tags: z.array(TagSchema).max(64).default([]),
  pool: ResourceNameSchema.optional(),
  description: z.string().max(8192).optional(),
  /** Start the guest once it is created, as part of the same operation. */
  start: z.boolean().default(false),
  providerOptions: ProviderOptionsSchema.optional(),
};

/** A new virtual machine. */
export const VmSpecSchema = z.strictObject({
  type: z.literal('vm'),
  ...commonSpec,
  osType: z.enum(['linux', 'windows', 'other']).default('linux'),
  firmware: z.enum(['bios', 'uefi']).default('bios'),
  /** An ISO image to boot from, as a volume id. */
  cdrom: VolumeIdSchema.optional(),
});

/** A new OS container. */
export const ContainerSpecSchema = z.strictObject({
  type: z.literal('container'),
  ...commonSpec,
  /** The OS template to create from, as a volume id (e.g. `local:vztmpl/debian-12-standard.tar.zst`). */
  osTemplate: VolumeIdSchema,
  unprivileged: z.boolean().default(true),
  /** Root password (secret; never logged). */
  password: z.string().min(5).max(256).optional(),
  sshPublicKeys: z.array(z.string().min(1).max(16384)).max(32).optional(),
});

/** The spec of a new guest: a {@link VmSpecSchema} or a {@link ContainerSpecSchema}, told apart by `type`. */
export const GuestSpecSchema = z.discriminatedUnion('type', [VmSpecSchema, ContainerSpecSchema]);

/** A validated guest spec, defaults applied. */
export type GuestSpec = z.output<typeof GuestSpecSchema>;
/** A guest spec as callers write it (defaults optional). */
export type GuestSpecInput = z.input<typeof GuestSpecSchema>;
/** A validated VM spec. */
export type VmSpec = z.output<typeof VmSpecSchema>;
/** A validated container spec. */
export type ContainerSpec = z.output<typeof ContainerSpecSchema>;
/** One disk of a spec. */
export type DiskSpec = z.output<typeof DiskSpecSchema>;
/** One NIC of a spec. */
export type NicSpec = z.output<typeof NicSpecSchema>;
