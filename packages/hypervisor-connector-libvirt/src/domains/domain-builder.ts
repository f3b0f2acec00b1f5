import type { BootDevice, GuestCloudInitConfig } from '@hvc/hypervisor-connector';
import type { GuestPlatform } from '../hosts/host-capabilities.js';
import { cloudInitMetadataForDomain } from './cloud-init-metadata.js';
import { type HvcMetadata, hvcMetadataForDomain } from './hvc-metadata.js';
import { attributes, buildXml, type XmlElement } from './xml-codec.js';

/** A disk of a new domain, its volume already made. */
export interface NewDomainDisk {
  readonly path: string;
  readonly format: string;
  /** The guest's device name (`vda`, ...). */
  readonly target: string;
}

/** A CD-ROM of a new domain: a volume of a storage pool. */
export interface NewDomainCdrom {
  readonly pool: string;
  readonly volume: string;
  /** A user alias (`ua-…`) that marks what the drive is for. */
  readonly alias?: string;
}

/** A NIC of a new domain. */
export interface NewDomainNic {
  /** `network`: a libvirt network; `bridge`: a host bridge. */
  readonly kind: 'network' | 'bridge';
  readonly source: string;
  readonly model: string;
  readonly mac?: string;
  /** A user alias (`ua-net0`): the NIC's slot. */
  readonly alias?: string;
  /** Attach libvirt's `clean-traffic` filter (no MAC, IP or ARP spoofing). */
  readonly firewall: boolean;
}

/** Everything a new domain's XML is made from. */
export interface NewDomain {
  readonly uuid: string;
  readonly name: string;
  readonly description?: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly platform: GuestPlatform;
  readonly machine?: string;
  /** The QEMU binary, when not the platform's. */
  readonly emulator?: string;
  readonly firmware: 'bios' | 'uefi';
  readonly osType: 'linux' | 'windows' | 'other';
  /** Direct kernel boot: paths on the host. */
  readonly kernel?: string;
  readonly initrd?: string;
  readonly cmdline?: string;
  readonly disks: readonly NewDomainDisk[];
  /** ISO images in storage pools as CD-ROMs, in drive order (an installer, a cloud-init seed). */
  readonly cdroms?: readonly NewDomainCdrom[];
  /** The boot order; without one: the CD-ROM first when there is one, then the disk. */
  readonly boot?: readonly BootDevice[];
  /** Add the QEMU guest agent's virtio-serial channel. */
  readonly guestAgent?: boolean;
  readonly nics: readonly NewDomainNic[];
  /** A file on the host the serial console is logged to (truncated at each start). */
  readonly serialLog?: string;
  /** The VNC server's password: a server started with one takes one-time console passwords later. */
  readonly vncPassword: string;
  readonly metadata: HvcMetadata;
  /** The cloud-init settings of its seed, without secrets: kept in the metadata for `getGuestConfig`. */
  readonly cloudInit?: GuestCloudInitConfig;
}

/** The name of the QEMU guest agent's virtio-serial port. */
export const GUEST_AGENT_CHANNEL = 'org.qemu.guest_agent.0';

/** libvirt's `<boot dev>` of each boot device class. */
const BOOT_DEVS: Readonly<Record<BootDevice, string>> = { disk: 'hd', cdrom: 'cdrom', network: 'network' };

/**
 * The target of the `index`-th CD-ROM: `hdc`, `hdd` (the IDE secondary channel, as installers expect) then `hda`,
 * `hdb`; `sda`, `sdb`... on SATA.
 */
export function cdromTarget(ide: boolean, index: number): string {
  if (!ide) return `sd${String.fromCharCode(97 + index)}`;
  return `hd${'cdab'[index] ?? String.fromCharCode(97 + index)}`;
}

/** Whether a machine type has an IDE bus (i440fx does, q35 and microvm do not). */
export function hasIde(machine: string | undefined): boolean {
  return machine === undefined || /^(pc|pc-i440fx.*|isapc)$/.test(machine);
}

/** The `<disk>` element of a virtio disk on a qcow2 (or raw) file. */
export function diskElement(disk: NewDomainDisk): XmlElement {
  return {
    ...attributes({ type: 'file', device: 'disk' }),
    driver: attributes({ name: 'qemu', type: disk.format }),
    source: attributes({ file: disk.path }),
    target: attributes({ dev: disk.target, bus: 'virtio' }),
  };
}

/** The `<interface>` element of a NIC. */
export function interfaceElement(nic: NewDomainNic): XmlElement {
  return {
    ...attributes({ type: nic.kind }),
    ...(nic.mac === undefined ? {} : { mac: attributes({ address: nic.mac }) }),
    source: attributes({ [nic.kind]: nic.source }),
    model: attributes({ type: nic.model }),
    ...(nic.firewall ? { filterref: attributes({ filter: 'clean-traffic' }) } : {}),
    ...(nic.alias === undefined ? {} : { alias: attributes({ name: nic.alias }) }),
  };
}

/**
 * The domain XML of a new guest, built as an element tree and written by the XML library (every value escaped):
 * the host's domain type and architecture, ACPI and APIC (an ACPI shutdown needs the power button), virtio disks
 * and NICs, a CD-ROM from a storage pool, direct kernel boot when given, a serial console (logged to a file when
 * asked), VNC with a password and a websocket port, hvc's metadata (tags, pool).
 */
export function buildDomainXml(domain: NewDomain): string {
  const os: XmlElement = {
    ...(domain.firmware === 'uefi' ? attributes({ firmware: 'efi' }) : {}),
    type: { ...attributes({ arch: domain.platform.arch, machine: domain.machine }), '#text': 'hvm' },
  };
  if (domain.kernel !== undefined) os.kernel = domain.kernel;
  if (domain.initrd !== undefined) os.initrd = domain.initrd;
  if (domain.cmdline !== undefined) os.cmdline = domain.cmdline;
  const cdroms = domain.cdroms ?? [];
  if (domain.kernel === undefined) {
    const order = domain.boot ?? (cdroms.length === 0 ? ['disk'] : ['cdrom', 'disk']);
    os.boot = order.map((device) => attributes({ dev: BOOT_DEVS[device] }));
  }
  const disks: XmlElement[] = domain.disks.map(diskElement);
  const ide = hasIde(domain.machine);
  for (const [index, cdrom] of cdroms.entries()) {
    disks.push({
      ...attributes({ type: 'volume', device: 'cdrom' }),
      driver: attributes({ name: 'qemu', type: 'raw' }),
      source: attributes({ pool: cdrom.pool, volume: cdrom.volume }),
      target: attributes({ dev: cdromTarget(ide, index), bus: ide ? 'ide' : 'sata' }),
      readonly: '',
      ...(cdrom.alias === undefined ? {} : { alias: attributes({ name: cdrom.alias }) }),
    });
  }
  const interfaces: XmlElement[] = domain.nics.map(interfaceElement);
  const devices: XmlElement = {
    ...(domain.emulator === undefined ? {} : { emulator: domain.emulator }),
    disk: disks,
    interface: interfaces,
    serial: {
      ...attributes({ type: 'pty' }),
      ...(domain.serialLog === undefined
        ? {}
        : { log: attributes({ file: domain.serialLog, append: 'off' }) }),
      target: attributes({ port: 0 }),
    },
    console: { ...attributes({ type: 'pty' }), target: attributes({ type: 'serial', port: 0 }) },
    ...(domain.guestAgent === true
      ? {
          channel: {
            ...attributes({ type: 'unix' }),
            target: attributes({ type: 'virtio', name: GUEST_AGENT_CHANNEL }),
          },
        }
      : {}),
    graphics: attributes({
      type: 'vnc',
      port: -1,
      autoport: 'yes',
      websocket: -1,
      passwd: domain.vncPassword,
    }),
  };
  return buildXml({
    domain: {
      ...attributes({ type: domain.platform.domainType }),
      name: domain.name,
      uuid: domain.uuid,
      ...(domain.description === undefined ? {} : { description: domain.description }),
      metadata: {
        ...hvcMetadataForDomain(domain.metadata),
        ...(domain.cloudInit === undefined ? {} : cloudInitMetadataForDomain(domain.cloudInit)),
      },
      memory: { ...attributes({ unit: 'MiB' }), '#text': String(domain.memoryMiB) },
      currentMemory: { ...attributes({ unit: 'MiB' }), '#text': String(domain.memoryMiB) },
      vcpu: { ...attributes({ placement: 'static' }), '#text': String(domain.cpus) },
      os,
      features: { acpi: '', apic: '' },
      clock: attributes({ offset: domain.osType === 'windows' ? 'localtime' : 'utc' }),
      on_poweroff: 'destroy',
      on_reboot: 'restart',
      on_crash: 'destroy',
      devices,
    },
  });
}
