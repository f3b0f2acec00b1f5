import { createHash } from 'node:crypto';
import { SaxesParser } from 'saxes';
import { RecentMap } from '../util/recent-map.js';
import { HVC_METADATA_URI, type HvcMetadata } from './hvc-metadata.js';
import { scaledBytes } from './xml-codec.js';

/** One disk-like device of a domain. */
export interface DomainDisk {
  /** `disk`, `cdrom`, `floppy` or `lun`. */
  readonly device: string;
  /** The source type: `file`, `block`, `volume`, `network`, ... */
  readonly type: string;
  /** The image format (`qcow2`, `raw`), from `<driver type>`. */
  readonly format?: string;
  /** The file or block device path, for `file` and `block` sources. */
  readonly path?: string;
  /** The pool and volume, for `volume` sources. */
  readonly pool?: string;
  readonly volume?: string;
  /** The guest's device name, e.g. `vda`. */
  readonly target?: string;
  readonly bus?: string;
  readonly readonly: boolean;
  /** Its user alias (`ua-…`), when a client gave it one. */
  readonly alias?: string;
  /** `<boot order>`, when per-device boot order is set. */
  readonly bootOrder?: number;
}

/** One network interface of a domain. */
export interface DomainNic {
  /** `network`, `bridge`, `direct`, `user`, ... */
  readonly type: string;
  readonly mac?: string;
  /** The network or bridge (or device) it is attached to. */
  readonly source?: string;
  readonly model?: string;
  /** Its user alias (`ua-net0` for the NICs hvc made), when it has one. */
  readonly alias?: string;
  /** The VLAN tag, when it has one. */
  readonly vlan?: number;
  /** Whether it has a network filter (`<filterref>`). */
  readonly filtered?: boolean;
}

/** One graphics device of a domain (ports only while it runs). */
export interface DomainGraphics {
  readonly type: string;
  readonly port?: number;
  readonly websocket?: number;
  readonly listen?: string;
  readonly autoport: boolean;
}

/** What the connector reads from a domain's XML. */
export interface DomainDefinition {
  readonly uuid: string;
  readonly name: string;
  /** `<domain type>`: `kvm`, `qemu`, ... */
  readonly domainType: string;
  readonly description?: string;
  /** Virtual CPUs now (`<vcpu current>`, else `<vcpu>`). */
  readonly vcpus: number;
  /** The most virtual CPUs the configuration allows. */
  readonly maxVcpus: number;
  /** `<memory>` in bytes: the guest's RAM. */
  readonly memoryBytes: number;
  /** `<currentMemory>` in bytes (the balloon's target). */
  readonly currentMemoryBytes: number;
  readonly arch?: string;
  readonly machine?: string;
  readonly disks: readonly DomainDisk[];
  readonly nics: readonly DomainNic[];
  readonly graphics: readonly DomainGraphics[];
  /** Whether it has a serial or console device (the `terminal` console needs one). */
  readonly hasConsole: boolean;
  /** `<os><boot dev>` in order (`hd`, `cdrom`, `network`, `fd`). */
  readonly bootDevices: readonly string[];
  /** Whether it has the QEMU guest agent's virtio-serial channel. */
  readonly guestAgent: boolean;
  /** `<os><loader>` or `<os firmware='efi'>`: UEFI firmware. */
  readonly uefi: boolean;
  readonly metadata: HvcMetadata;
  /**
   * A digest of the configuration (identity, CPUs, memory, description, metadata, disks, NICs; not the ports a
   * running guest was given): its version for `ifMatch`.
   */
  readonly digest: string;
}

/**
 * Whether a disk is the guest's own: a writable disk image in a file or a pool volume (not a CD-ROM, not a shared
 * read-only image). Clones copy these and deleting a guest deletes them.
 */
export function isOwnDisk(disk: DomainDisk): boolean {
  return (
    disk.device === 'disk' &&
    !disk.readonly &&
    ((disk.type === 'file' && disk.path !== undefined) ||
      (disk.type === 'volume' && disk.volume !== undefined))
  );
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Attributes = Readonly<Record<string, string | undefined>>;

const port = (value: string | undefined): number | undefined => {
  const number = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
};

/** A client-given alias (`ua-…`), which the configuration keeps; libvirt's own (`virtio-disk0`) live only. */
const userAlias = (name: string | undefined): string | undefined =>
  name?.startsWith('ua-') ? name : undefined;

/** Sets `key` on `target` unless `value` is undefined (optional fields stay absent, not undefined). */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** The elements whose text the reader keeps, by their path below `<domain>`. */
const TEXT_PATHS = new Set(['name', 'uuid', 'description', 'memory', 'currentMemory', 'vcpu']);

/** How many domain XML texts keep their parsed form. */
const PARSED_KEPT = 1_024;
const parsed = new RecentMap<string, DomainDefinition>(PARSED_KEPT);

/**
 * Reads a domain's XML (`DOMAIN_GET_XML_DESC`) into what the connector maps — identity, CPUs, memory, disks, NICs,
 * graphics, hvc's metadata (found by its namespace, whatever prefix it was stored with) and a digest of the
 * configuration. Every guest read fetches and reads one, and most come back unchanged: the parsed form of the last
 * {@link PARSED_KEPT} texts is kept (frozen), keyed by the whole text, so an identical text is not parsed again.
 * Throws when the text is no domain or not well formed.
 */
export function parseDomainXml(xml: string): DomainDefinition {
  const known = parsed.get(xml);
  if (known !== undefined) return known;
  const definition = deepFreeze(readDomainXml(xml));
  parsed.set(xml, definition);
  return definition;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/**
 * The reading itself: one streaming pass with saxes, no element tree (`parseXml` builds one where the XML is to be
 * changed).
 */
function readDomainXml(xml: string): DomainDefinition {
  const parser = new SaxesParser({ position: false });
  const path: string[] = [];
  const texts = new Map<string, string>();
  const units = new Map<string, string>();
  const disks: DomainDisk[] = [];
  const nics: DomainNic[] = [];
  const graphics: DomainGraphics[] = [];
  const tags: string[] = [];
  let domainType: string | undefined;
  let currentVcpus: string | undefined;
  let arch: string | undefined;
  let machine: string | undefined;
  let hasConsole = false;
  let guestAgent = false;
  let uefi = false;
  const bootDevices: string[] = [];
  let hvc: { key: string; prefix: string; template: boolean; pool?: string } | undefined;
  let disk: Mutable<DomainDisk> | undefined;
  let nic: Mutable<DomainNic> | undefined;
  let display: Mutable<DomainGraphics> | undefined;
  let text = '';

  parser.on('opentag', (tag) => {
    path.push(tag.name);
    text = '';
    const a = tag.attributes as Attributes;
    const depth = path.length;
    const parent = path[depth - 2];
    if (depth === 1) {
      domainType = a.type;
    } else if (depth === 2) {
      if (a.unit !== undefined) units.set(tag.name, a.unit);
      if (tag.name === 'vcpu') currentVcpus = a.current;
      if (tag.name === 'os' && a.firmware === 'efi') uefi = true;
    } else if (depth === 3 && parent === 'os' && tag.name === 'type') {
      arch = a.arch;
      machine = a.machine;
    } else if (depth === 3 && parent === 'os' && tag.name === 'boot') {
      if (a.dev !== undefined) bootDevices.push(a.dev);
    } else if (depth === 3 && parent === 'os' && tag.name === 'loader') {
      uefi = true;
    } else if (depth === 3 && parent === 'metadata') {
      for (const [name, value] of Object.entries(a)) {
        if (value === HVC_METADATA_URI && (name === 'xmlns' || name.startsWith('xmlns:'))) {
          hvc = {
            key: tag.name,
            prefix: name === 'xmlns' ? '' : `${name.slice('xmlns:'.length)}:`,
            template: false,
          };
        }
      }
    } else if (depth === 3 && parent === 'devices') {
      if (tag.name === 'disk') disk = { device: a.device ?? 'disk', type: a.type ?? 'file', readonly: false };
      else if (tag.name === 'interface') nic = { type: a.type ?? 'unknown' };
      else if (tag.name === 'graphics') {
        display = { type: a.type ?? 'unknown', autoport: a.autoport === 'yes' };
        put(display, 'port', port(a.port));
        put(display, 'websocket', port(a.websocket));
        put(display, 'listen', a.listen);
      } else if (tag.name === 'serial' || tag.name === 'console') hasConsole = true;
    } else if (depth === 4 && disk !== undefined && parent === 'disk') {
      if (tag.name === 'driver') put(disk, 'format', a.type);
      else if (tag.name === 'source') {
        put(disk, 'path', a.file ?? a.dev);
        put(disk, 'pool', a.pool);
        put(disk, 'volume', a.volume);
      } else if (tag.name === 'target') {
        put(disk, 'target', a.dev);
        put(disk, 'bus', a.bus);
      } else if (tag.name === 'readonly') disk.readonly = true;
      else if (tag.name === 'alias') put(disk, 'alias', userAlias(a.name));
      else if (tag.name === 'boot') put(disk, 'bootOrder', port(a.order));
    } else if (depth === 5 && nic !== undefined && path[3] === 'vlan' && tag.name === 'tag') {
      put(nic, 'vlan', port(a.id));
    } else if (depth === 4 && nic !== undefined && parent === 'interface') {
      if (tag.name === 'mac') put(nic, 'mac', a.address);
      else if (tag.name === 'source') put(nic, 'source', a.network ?? a.bridge ?? a.dev ?? a.name);
      else if (tag.name === 'model') put(nic, 'model', a.type);
      else if (tag.name === 'alias') put(nic, 'alias', userAlias(a.name));
      else if (tag.name === 'filterref') nic.filtered = true;
    } else if (depth === 4 && parent === 'channel' && tag.name === 'target') {
      if (a.name === 'org.qemu.guest_agent.0') guestAgent = true;
    } else if (depth === 4 && display !== undefined && parent === 'graphics' && tag.name === 'listen') {
      if (display.listen === undefined) put(display, 'listen', a.address);
    } else if (
      depth === 4 &&
      hvc !== undefined &&
      path[2] === hvc.key &&
      tag.name === `${hvc.prefix}template`
    ) {
      hvc.template = true;
    }
  });
  parser.on('text', (chunk) => {
    text += chunk;
  });
  parser.on('closetag', (tag) => {
    const depth = path.length;
    if (depth === 2 && TEXT_PATHS.has(tag.name)) texts.set(tag.name, text.trim());
    else if (depth === 3 && path[1] === 'devices') {
      if (tag.name === 'disk' && disk !== undefined) disks.push(disk);
      else if (tag.name === 'interface' && nic !== undefined) nics.push(nic);
      else if (tag.name === 'graphics' && display !== undefined) graphics.push(display);
      disk = nic = display = undefined;
    } else if (hvc !== undefined && path[1] === 'metadata' && path[2] === hvc.key) {
      if (depth === 4 && tag.name === `${hvc.prefix}pool`) hvc.pool = text.trim();
      if (depth === 5 && tag.name === `${hvc.prefix}tag` && path[3] === `${hvc.prefix}tags`)
        tags.push(text.trim());
    }
    path.pop();
    text = '';
  });
  parser.write(xml).close();

  const uuid = texts.get('uuid');
  const name = texts.get('name');
  if (domainType === undefined || uuid === undefined || name === undefined) {
    throw new Error('not a libvirt domain XML (no <domain> with a name and a UUID)');
  }
  const maxVcpus = Number(texts.get('vcpu') || '1');
  const memoryBytes = scaledBytes(texts.get('memory'), units.get('memory'), 'KiB') ?? 0;
  const description = texts.get('description') || undefined;
  const definition: Omit<DomainDefinition, 'digest'> = {
    uuid: uuid.toLowerCase(),
    name,
    domainType,
    ...(description === undefined ? {} : { description }),
    vcpus: Number(currentVcpus ?? maxVcpus),
    maxVcpus,
    memoryBytes,
    currentMemoryBytes:
      scaledBytes(texts.get('currentMemory'), units.get('currentMemory'), 'KiB') ?? memoryBytes,
    ...(arch === undefined ? {} : { arch }),
    ...(machine === undefined ? {} : { machine }),
    disks,
    nics,
    graphics,
    hasConsole,
    bootDevices,
    guestAgent,
    uefi,
    metadata: {
      template: hvc?.template ?? false,
      tags,
      ...(hvc?.pool === undefined || hvc.pool === '' ? {} : { pool: hvc.pool }),
    },
  };
  return { ...definition, digest: configurationDigest(definition) };
}

/** A short digest of the configuration fields of a definition, in a fixed order. */
function configurationDigest(definition: Omit<DomainDefinition, 'digest'>): string {
  const { graphics: _runtime, hasConsole: _derived, ...configuration } = definition;
  return createHash('sha256').update(JSON.stringify(configuration)).digest('base64url').slice(0, 22);
}
