import {
  type GuestCloudInitConfig,
  type GuestSpec,
  type VmSpec,
  vmSizeOrDefaults,
} from '@hvc/hypervisor-connector';
import { macAddressFor, slottedDisks, slottedNics } from './guest-devices.js';
import type { GuestConfig, GuestRecord, MemoryCdrom, MemoryDisk } from './guest-record.js';
import { InventoryLookup } from './inventory-lookup.js';
import type { MemoryContext } from './memory-context.js';
import { invalidField } from './memory-errors.js';

const GIB = 1024 ** 3;

/** A create spec checked against the inventory: what the new guest is made of, before it has a number. */
export interface ResolvedSpec {
  /** The template a `template` source clones. */
  readonly template?: GuestRecord;
  /** Makes the guest's configuration once its number is known. */
  config(vmid: number): GuestConfig;
}

/**
 * Checks everything `spec` names on `node` — disk storages, networks, the source, the CD-ROM, the user-data
 * volume — and the boot disk size against the source's, before anything is created (NOT_FOUND, CONFLICT or
 * INVALID_ARGUMENT naming the field). With a source, the spec's `disks` come after the source's own disk(s).
 */
export function resolveSpec(context: MemoryContext, spec: GuestSpec, node: string): ResolvedSpec {
  const lookup = new InventoryLookup(context, node);
  const diskContent = spec.type === 'vm' ? 'disk' : 'container-rootfs';
  spec.disks.forEach((disk, index) => {
    if (disk.storage !== undefined) lookup.storage(disk.storage, `disks.${index}.storage`, diskContent);
  });
  spec.nics.forEach((nic, index) => {
    lookup.network(nic.bridge, `nics.${index}.network`, nic.vlan);
  });
  if (spec.type !== 'vm') {
    return { config: (vmid) => baseConfig(spec, slottedDisks('container', spec.disks, new Set()), vmid) };
  }
  if (spec.cdrom !== undefined) lookup.volume(spec.cdrom, 'cdrom', 'iso');
  if (spec.cloudInit?.userDataVolume !== undefined) {
    const volume = spec.cloudInit.userDataVolume;
    lookup.storage(volume.slice(0, volume.indexOf(':')), 'cloudInit.userDataVolume', 'snippet');
  }
  const bootStorage = spec.bootDisk?.storage;
  if (bootStorage !== undefined) lookup.storage(bootStorage, 'bootDisk.storage', 'disk');

  const source = spec.source;
  if (source?.kind === 'template') {
    const template = lookup.template(source.guestId, 'source.guestId');
    if (source.mode === 'linked' && bootStorage !== undefined) {
      throw invalidField(
        'bootDisk.storage',
        "a linked clone stays on its template's storage",
        context.origin,
      );
    }
    const templateDisks = structuredClone(template.config.disks);
    const boot = templateDisks.find((d) => d.boot) ?? templateDisks[0];
    if (boot !== undefined) growBootDisk(context, boot, spec, bootStorage);
    return {
      template,
      config: (vmid) => {
        const disks = [...structuredClone(templateDisks)];
        const used = new Set(disks.map((d) => d.slot));
        const config = vmConfig(spec, [...disks, ...slottedDisks('vm', spec.disks, used)], vmid);
        // A size the spec leaves out is the template's.
        config.cpus = spec.cpus ?? template.config.cpus;
        config.memoryMiB = spec.memoryMiB ?? template.config.memoryMiB;
        // Without NICs of its own the new guest keeps the template's, with addresses of its own.
        if (spec.nics.length === 0) {
          config.nics = template.config.nics.map((nic, index) => ({
            ...structuredClone(nic),
            macAddress: macAddressFor(vmid, index),
          }));
        }
        return config;
      },
    };
  }
  if (source?.kind === 'image') {
    const image = lookup.volume(source.volumeId, 'source.volumeId', 'disk-image');
    const storage = bootStorage ?? lookup.defaultStorage('disk')?.id;
    const boot: MemoryDisk = {
      slot: 'scsi0',
      sizeGiB: (image.virtualSizeBytes ?? image.sizeBytes ?? 512 * 1024 ** 2) / GIB,
      boot: true,
      ...(storage === undefined ? {} : { storage }),
    };
    growBootDisk(context, boot, spec, undefined);
    return {
      config: (vmid) => {
        const disk = {
          ...boot,
          ...(storage === undefined ? {} : { volumeId: `${storage}:vm-${vmid}-disk-0` }),
        };
        return vmConfig(spec, [disk, ...slottedDisks('vm', spec.disks, new Set(['scsi0']))], vmid);
      },
    };
  }
  if (source?.kind === 'iso') lookup.volume(source.volumeId, 'source.volumeId', 'iso');
  return { config: (vmid) => vmConfig(spec, slottedDisks('vm', spec.disks, new Set()), vmid) };
}

/** Grows `disk` to `bootDisk.sizeGiB` (and moves it to `storage`); INVALID_ARGUMENT below its size. */
function growBootDisk(
  context: MemoryContext,
  disk: MemoryDisk,
  spec: VmSpec,
  storage: string | undefined,
): void {
  const size = spec.bootDisk?.sizeGiB;
  if (size !== undefined) {
    if (size < disk.sizeGiB) {
      throw invalidField(
        'bootDisk.sizeGiB',
        `disks only grow; the source disk has ${formatGiB(disk.sizeGiB)} GiB`,
        context.origin,
      );
    }
    disk.sizeGiB = size;
  }
  if (storage !== undefined) disk.storage = storage;
}

function vmConfig(spec: VmSpec, disks: MemoryDisk[], vmid: number): GuestConfig {
  const iso = spec.source?.kind === 'iso' ? spec.source.volumeId : spec.cdrom;
  const cdroms: MemoryCdrom[] = [
    ...(spec.cloudInit === undefined ? [] : [{ slot: 'ide0', cloudInit: true }]),
    ...(iso === undefined ? [] : [{ slot: 'ide2', volumeId: iso, cloudInit: false }]),
  ];
  const boot = spec.boot ?? (spec.source?.kind === 'iso' ? (['cdrom', 'disk'] as const) : undefined);
  return {
    ...baseConfig(spec, disks, vmid),
    ...(cdroms.length === 0 ? {} : { cdroms }),
    ...(boot === undefined ? {} : { boot: [...boot] }),
    ...(spec.cloudInit === undefined ? {} : { cloudInit: cloudInitView(spec.cloudInit) }),
    ...(spec.guestAgent === undefined ? {} : { guestAgent: spec.guestAgent }),
  };
}

function baseConfig(spec: GuestSpec, disks: MemoryDisk[], vmid: number): GuestConfig {
  const settings: Record<string, unknown> =
    spec.type === 'vm'
      ? {
          osType: spec.osType,
          firmware: spec.firmware,
          ...(spec.cdrom === undefined ? {} : { cdrom: spec.cdrom }),
          ...(spec.source === undefined ? {} : { source: structuredClone(spec.source) }),
        }
      : // The root password is a secret and is not kept; only whether one was given.
        {
          osTemplate: spec.osTemplate,
          unprivileged: spec.unprivileged,
          password: spec.password !== undefined,
          sshPublicKeys: spec.sshPublicKeys?.length ?? 0,
        };
  return {
    name: spec.name,
    ...vmSizeOrDefaults(spec),
    tags: [...spec.tags],
    ...(spec.description === undefined ? {} : { description: spec.description }),
    disks,
    nics: slottedNics(spec.nics, vmid),
    settings,
  };
}

/** Cloud-init as the guest keeps it: the password (or its hash) and inline user-data are not kept, only noted. */
function cloudInitView(cloudInit: NonNullable<VmSpec['cloudInit']>): GuestCloudInitConfig {
  return {
    ...(cloudInit.user === undefined ? {} : { user: cloudInit.user }),
    hasPassword: cloudInit.password !== undefined || cloudInit.passwordHash !== undefined,
    sshAuthorizedKeys: [...(cloudInit.sshAuthorizedKeys ?? [])],
    ...(cloudInit.hostname === undefined ? {} : { hostname: cloudInit.hostname }),
    interfaces: structuredClone(cloudInit.interfaces ?? []),
    nameservers: [...(cloudInit.dns?.nameservers ?? [])],
    searchDomains: [...(cloudInit.dns?.searchDomains ?? [])],
  };
}

function formatGiB(size: number): string {
  return Number.isInteger(size) ? String(size) : size.toFixed(2);
}
