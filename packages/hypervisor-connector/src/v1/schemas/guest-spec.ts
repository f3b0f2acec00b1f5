import { z } from 'zod';
import { CloudInitSpecSchema } from './cloud-init.js';
import { BootDiskSpecSchema, BootOrderSchema, GuestSourceSchema } from './guest-source.js';
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

/** The fields of a NIC, shared by new guests and NICs added later. */
export const NicSpecFields = {
  /** A network from `listNetworks` (a bridge, an SDN VNet, a libvirt network). Exactly one of `network` and `bridge`. */
  network: ResourceNameSchema.optional(),
  /** The bridge to attach to, e.g. `vmbr0`: the same as `network`, in the spelling NICs had before networks were listed. */
  bridge: ResourceNameSchema.optional(),
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
};

/**
 * One network interface of a new guest. Callers name its network with `network` or `bridge`; the validated NIC
 * carries it in `bridge` either way.
 */
export const NicSpecSchema = z
  .strictObject(NicSpecFields)
  .refine((nic) => (nic.bridge === undefined) !== (nic.network === undefined), {
    message: 'exactly one of network and bridge',
    path: ['network'],
  })
  .transform(({ network, bridge, ...rest }) => ({ ...rest, bridge: (network ?? bridge) as string }));

/** The CPUs of a new guest whose spec names none (a VM from a template keeps the template's). */
export const DEFAULT_GUEST_CPUS = 1;
/** The memory of a new guest whose spec names none, MiB (a VM from a template keeps the template's). */
export const DEFAULT_GUEST_MEMORY_MIB = 512;

const CpusSchema = z.number().int().min(1).max(1024);
const MemoryMiBSchema = z.number().int().min(16).max(MAX_MEMORY_MIB);

const commonSpec = {
  name: GuestNameSchema,
  /** The node to create on; the connector picks one when absent. */
  node: NodeNameSchema.optional(),
  disks: z.array(DiskSpecSchema).max(30).default([]),
  nics: z.array(NicSpecSchema).max(32).default([]),
  tags: z.array(TagSchema).max(64).default([]),
  pool: ResourceNameSchema.optional(),
  description: z.string().max(8192).optional(),
  /** Start the guest once it is created, as part of the same operation. */
  start: z.boolean().default(false),
  providerOptions: ProviderOptionsSchema.optional(),
};

/**
 * A new virtual machine. With a `source` it starts from a template, a disk image or an ISO, and `disks` are extra
 * data disks added after the source's own; without one, `disks` are all its disks, blank.
 */
export const VmSpecSchema = z
  .strictObject({
    type: z.literal('vm'),
    ...commonSpec,
    /**
     * Virtual CPUs. Absent: a VM from a `template` source keeps the template's; any other VM gets
     * {@link DEFAULT_GUEST_CPUS} ({@link vmSizeOrDefaults}).
     */
    cpus: CpusSchema.optional(),
    /** Memory in MiB. Absent: the template's, or {@link DEFAULT_GUEST_MEMORY_MIB} ({@link vmSizeOrDefaults}). */
    memoryMiB: MemoryMiBSchema.optional(),
    osType: z.enum(['linux', 'windows', 'other']).default('linux'),
    firmware: z.enum(['bios', 'uefi']).default('bios'),
    /** An ISO image to attach as a CD-ROM, as a volume id. Exclusive with an `iso` source, which does the same. */
    cdrom: VolumeIdSchema.optional(),
    /** What the VM starts from. */
    source: GuestSourceSchema.optional(),
    /** The boot disk a `template` or `image` source becomes. */
    bootDisk: BootDiskSpecSchema.optional(),
    /** Boot order; with an `iso` source `['cdrom', 'disk']` when absent, otherwise the hypervisor's. */
    boot: BootOrderSchema.optional(),
    /** First-boot configuration through cloud-init: user, keys, password, host name, addresses, DNS. */
    cloudInit: CloudInitSpecSchema.optional(),
    /** Give the VM a QEMU guest agent channel (what `getGuestAddresses` reads with source `agent`). */
    guestAgent: z.boolean().optional(),
  })
  .superRefine((spec, context) => {
    if (spec.source?.kind === 'iso' && spec.cdrom !== undefined) {
      context.addIssue({ code: 'custom', path: ['cdrom'], message: 'exclusive with an iso source' });
    }
    if (spec.bootDisk !== undefined && spec.source?.kind !== 'template' && spec.source?.kind !== 'image') {
      context.addIssue({ code: 'custom', path: ['bootDisk'], message: 'needs a template or image source' });
    }
    const interfaces = spec.cloudInit?.interfaces ?? [];
    for (let index = spec.nics.length; index < interfaces.length; index += 1) {
      context.addIssue({
        code: 'custom',
        path: ['cloudInit', 'interfaces', index],
        message: `there is no nics.${index}`,
      });
    }
  });

/** A new OS container. */
export const ContainerSpecSchema = z.strictObject({
  type: z.literal('container'),
  ...commonSpec,
  cpus: CpusSchema.default(DEFAULT_GUEST_CPUS),
  memoryMiB: MemoryMiBSchema.default(DEFAULT_GUEST_MEMORY_MIB),
  /** The OS template to create from, as a volume id (e.g. `local:vztmpl/debian-12-standard.tar.zst`). */
  osTemplate: VolumeIdSchema,
  unprivileged: z.boolean().default(true),
  /** Root password (secret; never logged). */
  password: z.string().min(5).max(256).optional(),
  sshPublicKeys: z.array(z.string().min(1).max(16384)).max(32).optional(),
});

/** The spec of a new guest: a {@link VmSpecSchema} or a {@link ContainerSpecSchema}, told apart by `type`. */
export const GuestSpecSchema = z.discriminatedUnion('type', [VmSpecSchema, ContainerSpecSchema]);

/**
 * The CPUs and memory of a new VM that does not start from a template: what its spec names, the defaults for what
 * it leaves out. (From a template, an absent size keeps the template's: read the spec's own fields.)
 */
export function vmSizeOrDefaults(spec: Pick<VmSpec, 'cpus' | 'memoryMiB'>): {
  readonly cpus: number;
  readonly memoryMiB: number;
} {
  return { cpus: spec.cpus ?? DEFAULT_GUEST_CPUS, memoryMiB: spec.memoryMiB ?? DEFAULT_GUEST_MEMORY_MIB };
}

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
/** One NIC of a spec, its network in `bridge`. */
export type NicSpec = z.output<typeof NicSpecSchema>;
/** One NIC as callers write it. */
export type NicSpecInput = z.input<typeof NicSpecSchema>;
