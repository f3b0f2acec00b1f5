import { createHash } from 'node:crypto';
import { type HvcMetadata, readHvcMetadata } from './hvc-metadata.js';
import { attr, child, children, parseXml, scaledBytes, textOf, type XmlElement } from './xml-codec.js';

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
}

/** One network interface of a domain. */
export interface DomainNic {
  /** `network`, `bridge`, `direct`, `user`, ... */
  readonly type: string;
  readonly mac?: string;
  /** The network or bridge (or device) it is attached to. */
  readonly source?: string;
  readonly model?: string;
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
  readonly metadata: HvcMetadata;
  /**
   * A digest of the configuration (identity, CPUs, memory, description, metadata, disks, NICs; not the ports a
   * running guest was given): its version for `ifMatch`.
   */
  readonly digest: string;
  /** The parsed document, for callers that derive a new XML from it. */
  readonly document: XmlElement;
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

const port = (value: string | undefined): number | undefined => {
  const number = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
};

/** One `<disk>` element as a {@link DomainDisk}. */
export function readDisk(disk: XmlElement): DomainDisk {
  const source = child(disk, 'source');
  const path = attr(source, 'file') ?? attr(source, 'dev');
  const pool = attr(source, 'pool');
  const volume = attr(source, 'volume');
  const format = attr(child(disk, 'driver'), 'type');
  const target = child(disk, 'target');
  return {
    device: attr(disk, 'device') ?? 'disk',
    type: attr(disk, 'type') ?? 'file',
    ...(format === undefined ? {} : { format }),
    ...(path === undefined ? {} : { path }),
    ...(pool === undefined ? {} : { pool }),
    ...(volume === undefined ? {} : { volume }),
    ...(attr(target, 'dev') === undefined ? {} : { target: attr(target, 'dev') }),
    ...(attr(target, 'bus') === undefined ? {} : { bus: attr(target, 'bus') }),
    readonly: child(disk, 'readonly') !== undefined,
  };
}

function readNic(nic: XmlElement): DomainNic {
  const source = child(nic, 'source');
  const sourceName =
    attr(source, 'network') ?? attr(source, 'bridge') ?? attr(source, 'dev') ?? attr(source, 'name');
  const mac = attr(child(nic, 'mac'), 'address');
  const model = attr(child(nic, 'model'), 'type');
  return {
    type: attr(nic, 'type') ?? 'unknown',
    ...(mac === undefined ? {} : { mac }),
    ...(sourceName === undefined ? {} : { source: sourceName }),
    ...(model === undefined ? {} : { model }),
  };
}

function readGraphics(graphics: XmlElement): DomainGraphics {
  const listen = attr(graphics, 'listen') ?? attr(child(graphics, 'listen'), 'address');
  const vncPort = port(attr(graphics, 'port'));
  const websocket = port(attr(graphics, 'websocket'));
  return {
    type: attr(graphics, 'type') ?? 'unknown',
    ...(vncPort === undefined ? {} : { port: vncPort }),
    ...(websocket === undefined ? {} : { websocket }),
    ...(listen === undefined ? {} : { listen }),
    autoport: attr(graphics, 'autoport') === 'yes',
  };
}

/**
 * Reads a domain's XML (`DOMAIN_GET_XML_DESC`) into what the connector maps: identity, CPUs, memory, disks, NICs,
 * graphics, hvc's metadata, and a digest of the whole text. Throws when the text is no domain.
 */
export function parseDomainXml(xml: string): DomainDefinition {
  const document = parseXml(xml);
  const domain = child(document, 'domain');
  const uuid = textOf(domain, 'uuid');
  const name = textOf(domain, 'name');
  if (domain === undefined || uuid === undefined || name === undefined) {
    throw new Error('not a libvirt domain XML (no <domain> with a name and a UUID)');
  }
  const vcpu = child(domain, 'vcpu');
  const maxVcpus = Number(textOf(vcpu) ?? '1');
  const currentVcpus = Number(attr(vcpu, 'current') ?? maxVcpus);
  const memoryBytes = scaledBytes(child(domain, 'memory'), 'KiB') ?? 0;
  const os = child(domain, 'os');
  const osType = child(os, 'type');
  const devices = child(domain, 'devices');
  const description = textOf(domain, 'description');
  const arch = attr(osType, 'arch');
  const machine = attr(osType, 'machine');
  const definition = {
    uuid: uuid.toLowerCase(),
    name,
    domainType: attr(domain, 'type') ?? 'unknown',
    ...(description === undefined ? {} : { description }),
    vcpus: currentVcpus,
    maxVcpus,
    memoryBytes,
    currentMemoryBytes: scaledBytes(child(domain, 'currentMemory'), 'KiB') ?? memoryBytes,
    ...(arch === undefined ? {} : { arch }),
    ...(machine === undefined ? {} : { machine }),
    disks: children(devices, 'disk').map(readDisk),
    nics: children(devices, 'interface').map(readNic),
    graphics: children(devices, 'graphics').map(readGraphics),
    hasConsole: children(devices, 'serial').length + children(devices, 'console').length > 0,
    metadata: readHvcMetadata(domain),
  };
  return { ...definition, digest: configurationDigest(definition), document };
}

/** A short digest of the configuration fields of a definition, in a fixed order. */
function configurationDigest(definition: Omit<DomainDefinition, 'digest' | 'document'>): string {
  const { graphics: _runtime, hasConsole: _derived, ...configuration } = definition;
  return createHash('sha256').update(JSON.stringify(configuration)).digest('base64url').slice(0, 22);
}
