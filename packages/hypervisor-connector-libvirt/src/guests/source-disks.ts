import {
  ConflictError,
  InvalidArgumentError,
  isHypervisorError,
  NotFoundError,
  type VmSpec,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { isOwnDisk, parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import { readDomainStatus, requireState } from '../domains/domain-status.js';
import { attr, child, parseXml, textOf } from '../domains/xml-codec.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import {
  RemoteProcedure as P,
  type RemoteNonnullStorageVol,
} from '../protocol/generated/remote-protocol.gen.js';
import { diskVolume, XML_INACTIVE } from './guest-delete.js';
import { lookupPool } from './storage-volumes.js';

const GIB = 1024 ** 3;

/** A volume a new guest's disk is made from: an image, or one of a template's disks. */
export interface SourceDisk {
  readonly vol: RemoteNonnullStorageVol;
  readonly path: string;
  /** Its virtual size in bytes. */
  readonly capacityBytes: number;
  /** Its image format (`qcow2`, `raw`). */
  readonly format: string;
}

/** The disks a VM's `source` gives it, the boot disk first, and the size the boot disk grows to. */
export interface SourceDisks {
  readonly disks: readonly SourceDisk[];
  /** `linked`: each disk becomes a qcow2 overlay of its source (template sources only); `full`: a copy. */
  readonly mode: 'full' | 'linked';
  /** The boot disk's size after the copy (at least its source's). */
  readonly bootDiskBytes: number;
  /** A template source's CPUs and memory, which the new guest keeps where its spec names none. */
  readonly templateSize?: { readonly cpus: number; readonly memoryMiB: number };
}

/** A volume id (`pool:volume`) split in two. */
export function splitVolumeId(volumeId: string): { readonly pool: string; readonly volume: string } {
  const separator = volumeId.indexOf(':');
  return { pool: volumeId.slice(0, separator), volume: volumeId.slice(separator + 1) };
}

/**
 * The volume `volumeId` on `host`: NOT_FOUND naming `field` (and `resource`) when its pool or the volume does not
 * exist there.
 */
export async function lookupVolumeId(
  host: LibvirtHost,
  volumeId: string,
  field: string,
  resource: string,
  signal?: AbortSignal,
): Promise<RemoteNonnullStorageVol> {
  const { pool, volume } = splitVolumeId(volumeId);
  try {
    const found = await lookupPool(host, pool, signal);
    return (await host.call(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, { pool: found, name: volume }, signal))
      .vol;
  } catch (error) {
    if (!isHypervisorError(error, 'NOT_FOUND')) throw error;
    throw new NotFoundError(`${resource} '${volumeId}' (${field}) not found`, {
      details: { resource, id: volumeId, field },
    });
  }
}

/** A volume's path, virtual size and format (`STORAGE_VOL_GET_XML_DESC`). */
async function describeVolume(
  host: LibvirtHost,
  vol: RemoteNonnullStorageVol,
  signal?: AbortSignal,
): Promise<SourceDisk> {
  const { xml } = await host.call(P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, { vol, flags: 0 }, signal);
  const volume = child(parseXml(xml), 'volume');
  const target = child(volume, 'target');
  return {
    vol,
    path: textOf(target, 'path') ?? '',
    capacityBytes: Number(textOf(volume, 'capacity')),
    format: attr(child(target, 'format'), 'type') ?? 'raw',
  };
}

/**
 * Resolves a VM spec's `template` or `image` source on `host` before anything is made: the image volume (NOT_FOUND
 * `source.volumeId`; an ISO is CONFLICT `image-kind`) or the template's own disks (the guest must be a shut off
 * template: CONFLICT `not-a-template` otherwise), and the boot disk's size, which may only grow (INVALID_ARGUMENT
 * `bootDisk.sizeGiB`). `undefined` for a spec without such a source.
 */
export async function resolveSourceDisks(
  context: LibvirtContext,
  host: LibvirtHost,
  spec: VmSpec,
  signal?: AbortSignal,
): Promise<SourceDisks | undefined> {
  const source = spec.source;
  if (source === undefined || source.kind === 'iso') return undefined;
  let disks: SourceDisk[];
  let templateSize: SourceDisks['templateSize'];
  if (source.kind === 'image') {
    const vol = await lookupVolumeId(host, source.volumeId, 'source.volumeId', 'image', signal);
    const disk = await describeVolume(host, vol, signal);
    if (disk.format === 'iso') {
      throw new ConflictError(`image '${source.volumeId}' is an ISO: boot it with an iso source instead`, {
        retryable: false,
        details: { reason: 'image-kind', id: source.volumeId, field: 'source.volumeId' },
      });
    }
    disks = [disk];
  } else {
    ({ disks, size: templateSize } = await templateDisks(context, host, source.guestId, signal));
  }
  const sourceBytes = disks[0]!.capacityBytes;
  const wanted = spec.bootDisk?.sizeGiB === undefined ? sourceBytes : spec.bootDisk.sizeGiB * GIB;
  if (wanted < sourceBytes) {
    const has = `${(sourceBytes / GIB).toFixed(3).replace(/\.?0+$/, '')} GiB`;
    throw new InvalidArgumentError(
      `invalid guest spec: bootDisk.sizeGiB: disks only grow; the disk has ${has}`,
      {
        violations: [{ field: 'bootDisk.sizeGiB', message: `disks only grow; the disk has ${has}` }],
      },
    );
  }
  return {
    disks,
    mode: source.kind === 'template' ? source.mode : 'full',
    bootDiskBytes: Math.round(wanted),
    ...(templateSize === undefined ? {} : { templateSize }),
  };
}

async function templateDisks(
  context: LibvirtContext,
  host: LibvirtHost,
  guestId: string,
  signal?: AbortSignal,
): Promise<{ disks: SourceDisk[]; size: NonNullable<SourceDisks['templateSize']> }> {
  let status: Awaited<ReturnType<typeof readDomainStatus>>;
  try {
    status = await readDomainStatus(context.locator, guestId.toLowerCase(), signal);
  } catch (error) {
    if (!isHypervisorError(error, 'NOT_FOUND')) throw error;
    throw new NotFoundError(`template '${guestId}' (source.guestId) not found`, {
      details: { resource: 'template', id: guestId, field: 'source.guestId' },
    });
  }
  const { xml } = await status.host.call(
    P.REMOTE_PROC_DOMAIN_GET_XML_DESC,
    { dom: status.dom, flags: XML_INACTIVE },
    signal,
  );
  const template = parseDomainXml(xml);
  if (!template.metadata.template) {
    throw new ConflictError(`guest ${guestId} is not a template: convert it to one first`, {
      retryable: false,
      details: { reason: 'not-a-template', guestId, field: 'source.guestId' },
    });
  }
  requireState(status, status.state === DomainState.SHUTOFF, 'clone', 'a template never runs');
  const own = template.disks.filter(isOwnDisk);
  if (own.length === 0) {
    throw new ConflictError(`template ${guestId} has no disk to boot from`, {
      retryable: false,
      details: { reason: 'no-boot-disk', guestId, field: 'source.guestId' },
    });
  }
  const disks = await Promise.all(
    own.map(async (disk) => {
      const vol = await diskVolume(host, disk, context.config.pool, signal);
      if (vol === undefined) {
        throw new ConflictError(
          `disk ${disk.target ?? '?'} of template ${guestId} is in no storage pool of node ` +
            `${context.target.nodeName(host)}`,
          { retryable: false, details: { reason: 'disk-outside-pools', guestId } },
        );
      }
      return describeVolume(host, vol, signal);
    }),
  );
  return { disks, size: { cpus: template.vcpus, memoryMiB: Math.round(template.memoryBytes / 1024 ** 2) } };
}
