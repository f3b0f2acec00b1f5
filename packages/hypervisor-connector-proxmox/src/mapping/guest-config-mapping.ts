import type {
  BootDevice,
  GuestCdrom,
  GuestCloudInitConfig,
  GuestConfig,
  GuestDisk,
  GuestNic,
} from '@hvc/hypervisor-connector';
import type { PveGuestType } from './guest-id.js';
import { parseDriveSize, parsePropertyString } from './property-string.js';

/** The drive keys of a VM config in PVE's own order (qemu-server `Drive.pm`), and a container's. */
const QEMU_DRIVE = /^(ide|sata|scsi|virtio)(\d+)$/;
const LXC_DRIVE = /^(rootfs|mp\d+)$/;
const QEMU_NIC = /^net(\d+)$/;
const QEMU_NIC_MODELS = new Set([
  'virtio',
  'e1000',
  'e1000e',
  'rtl8139',
  'vmxnet3',
  'ne2k_pci',
  'pcnet',
  'i82551',
]);
/** A cloud-init drive's volume: `vm-<vmid>-cloudinit` (qemu-server `Cloudinit.pm`), `.qcow2` on path storages. */
const CLOUD_INIT_VOLUME = /(^|[:/])vm-\d+-cloudinit(\.\w+)?$/;
/** The config keys cloud-init is configured with. */
const CLOUD_INIT_KEYS =
  /^(ciuser|cipassword|sshkeys|ipconfig\d+|nameserver|searchdomain|citype|ciupgrade|cicustom)$/;

type Drive = { readonly slot: string; readonly value: string };

const slotOrder = (a: Drive, b: Drive) => {
  const order = ['rootfs', 'ide', 'sata', 'scsi', 'virtio', 'mp'];
  const rank = (slot: string) => order.findIndex((prefix) => slot.startsWith(prefix));
  const index = (slot: string) => Number(/\d+$/.exec(slot)?.[0] ?? 0);
  return rank(a.slot) - rank(b.slot) || index(a.slot) - index(b.slot);
};

/** Whether a drive value is a CD-ROM (`media=cdrom`, or PVE's `none`/`cdrom` placeholders). */
export function isCdrom(value: string): boolean {
  const drive = parsePropertyString(value);
  return drive.members.get('media') === 'cdrom' || drive.head === 'none' || drive.head === 'cdrom';
}

/** Whether a drive value is the cloud-init drive. */
export function isCloudInitDrive(value: string): boolean {
  return CLOUD_INIT_VOLUME.test(parsePropertyString(value).head ?? '');
}

/** The drives (disks and CD-ROMs) of a config, in slot order. */
export function configDrives(type: PveGuestType, config: Readonly<Record<string, unknown>>): Drive[] {
  const pattern = type === 'qemu' ? QEMU_DRIVE : LXC_DRIVE;
  return Object.entries(config)
    .filter((entry): entry is [string, string] => pattern.test(entry[0]) && typeof entry[1] === 'string')
    .map(([slot, value]) => ({ slot, value }))
    .sort(slotOrder);
}

/** The boot order of `boot: order=scsi0;ide2;net0` (or the legacy `boot: cdn`) as device slots. */
export function bootSlots(config: Readonly<Record<string, unknown>>): string[] {
  const boot = typeof config.boot === 'string' ? config.boot : undefined;
  if (boot === undefined) return [];
  const order = parsePropertyString(boot).members.get('order');
  if (order !== undefined) return order.split(';').filter((slot) => slot.length > 0);
  // Legacy `boot: [acdn]{1,4}` with `bootdisk`: c the boot disk, d the first CD-ROM, n the first NIC.
  const legacy: string[] = [];
  for (const letter of /^[acdn]{1,4}$/.test(boot) ? boot : '') {
    if (letter === 'c' && typeof config.bootdisk === 'string') legacy.push(config.bootdisk);
    if (letter === 'n') legacy.push('net0');
    if (letter === 'd') legacy.push('ide2');
  }
  return legacy;
}

/** A VM's boot disk: the first disk in its boot order, else `bootdisk`, else its first disk. */
export function bootDiskSlot(config: Readonly<Record<string, unknown>>): string | undefined {
  const disks = configDrives('qemu', config).filter((drive) => !isCdrom(drive.value));
  const names = new Set(disks.map((disk) => disk.slot));
  const inOrder = bootSlots(config).find((slot) => names.has(slot));
  if (inOrder !== undefined) return inOrder;
  if (typeof config.bootdisk === 'string' && names.has(config.bootdisk)) return config.bootdisk;
  return disks[0]?.slot;
}

function nicOf(type: PveGuestType, slot: string, value: string): GuestNic {
  const nic = parsePropertyString(value);
  let model: string | undefined;
  let mac: string | undefined;
  if (type === 'qemu') {
    for (const [key, member] of nic.members) {
      if (QEMU_NIC_MODELS.has(key)) {
        model = key;
        mac = member;
      }
    }
  } else {
    mac = nic.members.get('hwaddr');
  }
  const tag = nic.members.get('tag');
  const firewall = nic.members.get('firewall');
  const bridge = nic.members.get('bridge');
  return {
    slot,
    ...(bridge === undefined ? {} : { network: bridge }),
    ...(mac === undefined || mac === '' ? {} : { macAddress: mac.toLowerCase() }),
    ...(model === undefined ? {} : { model }),
    ...(tag === undefined ? {} : { vlan: Number(tag) }),
    ...(firewall === undefined ? {} : { firewall: firewall === '1' }),
  };
}

type Addressing = GuestCloudInitConfig['interfaces'][number];

/** `ipconfigN` (`ip=10.0.0.5/24,gw=10.0.0.1,ip6=auto`) as the contract's addressing of NIC N. */
function addressingOf(value: string): Addressing {
  const members = parsePropertyString(value).members;
  const ip = members.get('ip');
  const gw = members.get('gw');
  const ip6 = members.get('ip6');
  const gw6 = members.get('gw6');
  const ipv4 =
    ip === undefined || ip === 'manual'
      ? undefined
      : ip === 'dhcp'
        ? ('dhcp' as const)
        : { address: ip, ...(gw === undefined ? {} : { gateway: gw }) };
  const ipv6 =
    ip6 === undefined || ip6 === 'manual'
      ? undefined
      : ip6 === 'dhcp'
        ? ('dhcp' as const)
        : ip6 === 'auto'
          ? ('slaac' as const)
          : { address: ip6, ...(gw6 === undefined ? {} : { gateway: gw6 }) };
  return { ...(ipv4 === undefined ? {} : { ipv4 }), ...(ipv6 === undefined ? {} : { ipv6 }) };
}

const words = (value: unknown) =>
  typeof value === 'string' ? value.split(/[\s,;]+/).filter((word) => word.length > 0) : [];

/** The cloud-init settings of a VM config, secrets left out: `cipassword` shows only as `hasPassword`. */
function cloudInitOf(
  config: Readonly<Record<string, unknown>>,
  hasDrive: boolean,
): GuestCloudInitConfig | undefined {
  const keys = Object.keys(config).filter((key) => CLOUD_INIT_KEYS.test(key));
  if (!hasDrive && keys.length === 0) return undefined;
  const interfaces: Addressing[] = [];
  for (const key of keys) {
    const index = /^ipconfig(\d+)$/.exec(key)?.[1];
    if (index === undefined) continue;
    interfaces[Number(index)] = addressingOf(String(config[key]));
  }
  // PVE stores `sshkeys` URL-encoded, one key per line.
  const sshkeys = typeof config.sshkeys === 'string' ? safeDecode(config.sshkeys) : '';
  return {
    ...(typeof config.ciuser === 'string' ? { user: config.ciuser } : {}),
    hasPassword: config.cipassword !== undefined && config.cipassword !== '',
    sshAuthorizedKeys: sshkeys
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0),
    interfaces: Array.from(interfaces, (entry) => entry ?? {}),
    nameservers: words(config.nameserver),
    searchDomains: words(config.searchdomain),
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The contract's boot order of a VM: each slot of `boot: order=` as its device class, each class once. */
function bootOrderOf(config: Readonly<Record<string, unknown>>): BootDevice[] | undefined {
  const slots = bootSlots(config);
  if (slots.length === 0) return undefined;
  const order: BootDevice[] = [];
  for (const slot of slots) {
    const value = config[slot];
    const device: BootDevice | undefined = QEMU_NIC.test(slot)
      ? 'network'
      : typeof value === 'string'
        ? isCdrom(value)
          ? 'cdrom'
          : 'disk'
        : undefined;
    if (device !== undefined && !order.includes(device)) order.push(device);
  }
  return order.length > 0 ? order : undefined;
}

/** `agent: 1` or `agent: enabled=1,fstrim_cloned_disks=1`. */
function agentEnabled(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  const agent = parsePropertyString(String(value));
  return (agent.members.get('enabled') ?? agent.head) === '1';
}

/** A guest's devices from its `GET .../config`. */
export function guestConfigFromPve(
  guestId: string,
  type: PveGuestType,
  config: Readonly<Record<string, unknown>>,
): GuestConfig {
  const drives = configDrives(type, config);
  const bootDisk = type === 'qemu' ? bootDiskSlot(config) : 'rootfs';
  const disks: GuestDisk[] = [];
  const cdroms: GuestCdrom[] = [];
  for (const { slot, value } of drives) {
    const drive = parsePropertyString(value);
    const volume = drive.head;
    if (type === 'qemu' && isCdrom(value)) {
      cdroms.push({
        slot,
        ...(volume === undefined || volume === 'none' || volume === 'cdrom' ? {} : { volumeId: volume }),
        cloudInit: isCloudInitDrive(value),
      });
      continue;
    }
    const storage = volume?.includes(':') ? volume.slice(0, volume.indexOf(':')) : undefined;
    disks.push({
      slot,
      sizeBytes: parseDriveSize(drive.members.get('size')) ?? 0,
      ...(storage === undefined ? {} : { storage }),
      ...(volume === undefined ? {} : { volumeId: volume }),
      boot: slot === bootDisk,
    });
  }
  const nics = Object.entries(config)
    .filter((entry): entry is [string, string] => QEMU_NIC.test(entry[0]) && typeof entry[1] === 'string')
    .sort((a, b) => Number(a[0].slice(3)) - Number(b[0].slice(3)))
    .map(([slot, value]) => nicOf(type, slot, value));
  const cores = Number(config.cores ?? 1) || 1;
  const sockets = type === 'qemu' ? Number(config.sockets ?? 1) || 1 : 1;
  const boot = type === 'qemu' ? bootOrderOf(config) : undefined;
  const cloudInit =
    type === 'qemu'
      ? cloudInitOf(
          config,
          cdroms.some((c) => c.cloudInit),
        )
      : undefined;
  const guestAgent = type === 'qemu' ? agentEnabled(config.agent) : undefined;
  return {
    guestId,
    cpus: cores * sockets,
    memoryMiB: Number(config.memory ?? 512),
    ...(type === 'qemu' ? { firmware: config.bios === 'ovmf' ? ('uefi' as const) : ('bios' as const) } : {}),
    ...(boot === undefined ? {} : { boot }),
    disks,
    cdroms,
    nics,
    ...(cloudInit === undefined ? {} : { cloudInit }),
    ...(guestAgent === undefined ? {} : { guestAgent }),
    template: config.template === true || config.template === 1 || config.template === '1',
    ...(typeof config.digest === 'string' ? { digest: config.digest } : {}),
    raw: redactedConfig(config),
  };
}

/** The config as `raw` shows it: PVE already masks `cipassword` as `**********`; this makes sure of it. */
function redactedConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const raw = { ...config };
  if (raw.cipassword !== undefined) raw.cipassword = '**********';
  return raw;
}
