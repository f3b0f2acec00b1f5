import { randomBytes, randomUUID } from 'node:crypto';
import { fail } from '../pve-error.js';
import type { GuestConfig, PveGuestType } from './model.js';

const QEMU_DISK = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;
const LXC_DISK = /^rootfs$|^mp\d+$/;

/** Whether a config key holds a disk/volume of the given guest type. */
export function isDiskKey(type: PveGuestType, key: string): boolean {
  return (type === 'qemu' ? QEMU_DISK : LXC_DISK).test(key);
}

/** A random MAC with the prefix current PVE versions use (`BC:24:11`). */
export function randomMac(): string {
  const b = randomBytes(3);
  return `BC:24:11:${[...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':')}`;
}

/** Fresh `smbios1`, `vmgenid` and `meta` values for a new VM. */
export function newVmIdentity(ctime: number): GuestConfig {
  return {
    meta: `creation-qemu=9.2.0,ctime=${ctime}`,
    smbios1: `uuid=${randomUUID()}`,
    vmgenid: randomUUID(),
  };
}

/** Parses a PVE size (`32G`, `512M`, `1.5T`, bytes without unit) into bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  if (!m) return 0;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[
    m[2] as '' | 'K' | 'M' | 'G' | 'T'
  ];
  return Math.round(Number(m[1]) * mult);
}

/** Formats bytes as PVE writes disk sizes (`32G`, `512M`, `4K`). */
export function formatSize(bytes: number): string {
  for (const [unit, mult] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= mult && bytes % mult === 0) return `${bytes / mult}${unit}`;
  }
  return String(bytes);
}

/** Splits a property string (`local-lvm:vm-100-disk-0,size=32G`) into its volume and options. */
export function parseVolumeValue(value: string): { volume: string; options: Map<string, string> } {
  const [first = '', ...rest] = value.split(',');
  const options = new Map<string, string>();
  let volume = first;
  if (first.includes('=') && (first.startsWith('file=') || first.startsWith('volume='))) {
    volume = first.slice(first.indexOf('=') + 1);
  }
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq > 0) options.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return { volume, options };
}

/** Joins a volume and its options back into a property string. */
export function formatVolumeValue(volume: string, options: ReadonlyMap<string, string>): string {
  return [volume, ...[...options].map(([k, v]) => `${k}=${v}`)].join(',');
}

/** The size in bytes of a disk entry (`size=` option), 0 when absent. */
export function volumeSize(value: string): number {
  const size = parseVolumeValue(value).options.get('size');
  return size ? parseSize(size) : 0;
}

/** Volume ids (`storage:name`) of a config's disks, skipping CD-ROMs and `none`. */
export function configVolumes(
  type: PveGuestType,
  config: GuestConfig,
): { key: string; volid: string; size: number }[] {
  const out: { key: string; volid: string; size: number }[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!(isDiskKey(type, key) || /^unused\d+$/.test(key)) || typeof value !== 'string') continue;
    const { volume, options } = parseVolumeValue(value);
    if (options.get('media') === 'cdrom' || volume === 'none' || !volume.includes(':')) continue;
    out.push({ key, volid: volume, size: volumeSize(value) });
  }
  return out;
}

/**
 * Allocates new volumes for `STORAGE:SIZE` disk entries (`local-lvm:32` → `local-lvm:vm-100-disk-0,size=32G`;
 * `local-lvm:0,import-from=<volid>` → a disk of the source's size, `importSize`) and fills in generated MAC addresses for network entries, as PVE does on create and config update.
 */
export function materializeConfig(
  type: PveGuestType,
  vmid: number,
  config: GuestConfig,
  storageExists: (id: string) => boolean,
  usedNames: Set<string> = new Set(),
  importSize: (volid: string) => number | undefined = () => undefined,
): GuestConfig {
  const out: GuestConfig = { ...config };
  let next = 0;
  const nextName = (storage: string): string => {
    for (;;) {
      const name = `${storage}:vm-${vmid}-disk-${next++}`;
      if (!usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') continue;
    if (isDiskKey(type, key)) {
      const { volume, options } = parseVolumeValue(value);
      const alloc = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?)$/i.exec(volume);
      if (!alloc) continue;
      const storage = alloc[1]!;
      if (!storageExists(storage)) throw fail(`storage '${storage}' does not exist`);
      const sizeGiB = Number(alloc[2]);
      // qemu-server `Qemu.pm` `create_disks`: an `import-from` disk is a full clone of the source, sized like it.
      const source = options.get('import-from');
      options.delete('import-from');
      const size =
        source !== undefined
          ? formatSize(importSize(source) ?? 0)
          : key === 'efidisk0' || key === 'tpmstate0'
            ? '4M'
            : formatSize(Math.round(sizeGiB * 1024 ** 3));
      options.set('size', size);
      out[key] = formatVolumeValue(nextName(storage), options);
    } else if (/^net\d+$/.test(key)) {
      out[key] = type === 'qemu' ? qemuNetWithMac(value) : lxcNetWithMac(value);
    }
  }
  return out;
}

const NIC_MODELS =
  /^(e1000|e1000-82540em|e1000-82544gc|e1000-82545em|e1000e|i82551|i82557b|i82559er|ne2k_isa|ne2k_pci|pcnet|rtl8139|virtio|vmxnet3)$/;

function qemuNetWithMac(value: string): string {
  const parts = value.split(',');
  let model = '';
  let mac = '';
  const rest: string[] = [];
  for (const part of parts) {
    const [k, v] = part.includes('=')
      ? [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]
      : [part, ''];
    if (k === 'model') model = v;
    else if (k === 'macaddr') mac = v;
    else if (NIC_MODELS.test(k)) {
      model = k;
      if (v) mac = v;
    } else rest.push(part);
  }
  if (!model) return value;
  return [`${model}=${mac || randomMac()}`, ...rest].join(',');
}

function lxcNetWithMac(value: string): string {
  const parts = value.split(',');
  if (!parts.some((p) => p.startsWith('hwaddr='))) parts.push(`hwaddr=${randomMac()}`);
  if (!parts.some((p) => p.startsWith('type='))) parts.push('type=veth');
  return parts.join(',');
}
