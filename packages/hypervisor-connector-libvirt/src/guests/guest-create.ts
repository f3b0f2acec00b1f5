import { randomUUID } from 'node:crypto';
import {
  InvalidArgumentError,
  type Operation,
  type VmSpec,
  vmSizeOrDefaults,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { LibvirtCreateOptionsSchema, libvirtOptions } from '../connector/provider-options.js';
import { vncPassword } from '../console/vnc-password.js';
import { cloudInitSummary } from '../domains/cloud-init-metadata.js';
import { buildDomainXml, type NewDomainCdrom } from '../domains/domain-builder.js';
import { domainRef } from '../domains/guest-locator.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { randomMac, SEED_ALIAS, uploadCloudInitSeed } from './cloud-init-seed.js';
import { assertNameFree, placeGuest } from './guest-placement.js';
import { domainNics, refuseVlans } from './nic-sources.js';
import { lookupVolumeId, resolveSourceDisks, type SourceDisks, splitVolumeId } from './source-disks.js';
import {
  copyVolume,
  createVolume,
  deleteVolume,
  type GuestVolume,
  lookupPool,
  resizeVolume,
} from './storage-volumes.js';

const GIB = 1024 ** 3;
/** `VIR_DOMAIN_DEFINE_VALIDATE`: check the XML against libvirt's schema. */
export const DEFINE_VALIDATE = 1;

/** The guest device name of the `index`-th virtio disk: `vda` … `vdz`, `vdaa` … */
export function virtioDiskName(index: number): string {
  const letters = (n: number): string =>
    n < 26
      ? String.fromCharCode(97 + n)
      : letters(Math.floor(n / 26) - 1) + String.fromCharCode(97 + (n % 26));
  return `vd${letters(index)}`;
}

/**
 * `createGuest`: checks everything it can before anything is made — the options, the node, the platform the host
 * offers (the domain type from its capabilities), the name (unique in the target: ALREADY_EXISTS), the pools, the
 * source (an image volume, a template's disks, an ISO: NOT_FOUND naming the field) and the boot disk's size (grow
 * only) — then returns the operation while, in the background: the boot disk is copied from the image or template
 * (`STORAGE_VOL_CREATE_XML_FROM`, or a qcow2 overlay for a linked template source) and grown to `bootDisk.sizeGiB`,
 * blank qcow2 volumes are made for `disks`, the cloud-init seed is built and uploaded (a CD-ROM labelled `cidata`),
 * the domain is defined with a UUID chosen up front (the operation's guest id) and started when asked. A failed
 * step removes the volumes made.
 */
export async function createGuest(
  context: LibvirtContext,
  spec: VmSpec,
  signal?: AbortSignal,
): Promise<Operation> {
  const options = libvirtOptions(LibvirtCreateOptionsSchema, spec.providerOptions, 'guest spec');
  if (options.template === true && spec.start) {
    throw new InvalidArgumentError('invalid guest spec: a template is never started', {
      violations: [
        { field: 'start', message: 'a template (providerOptions.libvirt.template) is never started' },
      ],
    });
  }
  refuseVlans(spec.nics, (index) => `nics.${index}`);
  const defaults = context.config.guestDefaults;
  const wish = {
    ...((options.arch ?? defaults.arch) === undefined ? {} : { arch: options.arch ?? defaults.arch }),
    ...((options.domainType ?? defaults.domainType) === undefined
      ? {}
      : { domainType: options.domainType ?? defaults.domainType }),
  };
  const { host, platform } = await placeGuest(context, spec.node, wish, signal);
  await assertNameFree(context, spec.name, signal);
  const pools = await Promise.all(
    spec.disks.map((disk, index) =>
      disk.storage === undefined
        ? lookupPool(host, context.config.pool, signal)
        : lookupPool(host, disk.storage, signal, `disks.${index}.storage`),
    ),
  );
  const sources = await resolveSourceDisks(context, host, spec, signal);
  // Where the copied boot disk and the cloud-init seed go.
  const bootPool =
    sources === undefined && spec.cloudInit === undefined
      ? undefined
      : spec.bootDisk?.storage === undefined
        ? await lookupPool(host, context.config.pool, signal)
        : await lookupPool(host, spec.bootDisk.storage, signal, 'bootDisk.storage');
  const isoId = spec.source?.kind === 'iso' ? spec.source.volumeId : spec.cdrom;
  const cdroms: NewDomainCdrom[] = [];
  if (isoId !== undefined) {
    await lookupVolumeId(
      host,
      isoId,
      spec.source?.kind === 'iso' ? 'source.volumeId' : 'cdrom',
      'image',
      signal,
    );
    cdroms.push(splitVolumeId(isoId));
  }
  // cloud-init matches each NIC's addresses by its MAC: the NICs get theirs now, not from libvirt at define.
  const macs = spec.nics.map((nic) =>
    spec.cloudInit === undefined ? undefined : (nic.macAddress?.toLowerCase() ?? randomMac()),
  );
  const nics = await domainNics(
    context,
    host,
    spec.nics,
    macs,
    spec.nics.map((_, index) => `ua-net${index}`),
    (index) => `nics.${index}.network`,
    signal,
  );
  const uuid = randomUUID();
  const node = context.target.nodeName(host);
  const machine = options.machine ?? defaults.machine;
  const emulator = options.emulator ?? defaults.emulator;
  return context.operations.begin({
    type: 'create',
    node,
    uuid,
    arg: spec.start ? 'start' : '',
    raw: { host: host.display, name: spec.name },
    work: async (run) => {
      const made: GuestVolume[] = [];
      let seeds = 0;
      const volumeName = (target: string) => `${spec.name}-${uuid.slice(0, 8)}-${target}.qcow2`;
      try {
        if (sources !== undefined) {
          made.push(...(await sourceVolumes(host, bootPool!, sources, volumeName, run.closing)));
        }
        const first = made.length;
        for (const [index, disk] of spec.disks.entries()) {
          const target = virtioDiskName(first + index);
          const volume = await createVolume(
            host,
            pools[index]!,
            {
              name: volumeName(target),
              capacityBytes: disk.sizeGiB * GIB,
              format: 'qcow2',
            },
            run.closing,
          );
          made.push(volume);
        }
        if (spec.cloudInit !== undefined) {
          const seedName = `${spec.name}-${uuid.slice(0, 8)}-cidata.iso`;
          const seed = await uploadCloudInitSeed(
            host,
            bootPool!,
            seedName,
            { cloudInit: spec.cloudInit, guestName: spec.name, macs: macs as string[] },
            run.closing,
          );
          made.push(seed);
          seeds = 1;
          cdroms.push({ pool: bootPool!.name, volume: seedName, alias: SEED_ALIAS });
        }
        const xml = buildDomainXml({
          uuid,
          name: spec.name,
          ...(spec.description === undefined ? {} : { description: spec.description }),
          ...sizeOf(spec, sources),
          platform,
          ...(machine === undefined ? {} : { machine }),
          ...(emulator === undefined ? {} : { emulator }),
          firmware: spec.firmware,
          osType: spec.osType,
          ...(options.kernel === undefined ? {} : { kernel: options.kernel }),
          ...(options.initrd === undefined ? {} : { initrd: options.initrd }),
          ...(options.cmdline === undefined ? {} : { cmdline: options.cmdline }),
          // The seed, last made, is a CD-ROM.
          disks: made.slice(0, made.length - seeds).map((volume, index) => ({
            path: volume.path,
            format: 'qcow2',
            target: virtioDiskName(index),
          })),
          cdroms,
          ...(spec.boot === undefined ? {} : { boot: spec.boot }),
          ...(spec.guestAgent === true ? { guestAgent: true } : {}),
          ...(spec.cloudInit === undefined ? {} : { cloudInit: cloudInitSummary(spec.cloudInit, spec.name) }),
          nics,
          ...(options.serialLog === undefined ? {} : { serialLog: options.serialLog }),
          vncPassword: vncPassword(),
          metadata: {
            template: options.template === true,
            tags: [...spec.tags],
            ...(spec.pool === undefined ? {} : { pool: spec.pool }),
          },
        });
        await host.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, { xml, flags: DEFINE_VALIDATE }, run.closing);
      } catch (error) {
        await Promise.allSettled(made.map((volume) => deleteVolume(host, volume.vol)));
        throw error;
      }
      context.locator.remember(uuid, host, spec.name);
      if (spec.start) {
        await host.call(
          P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS,
          { dom: domainRef(uuid, spec.name), flags: 0 },
          run.closing,
        );
      }
      return undefined;
    },
  });
}

/**
 * The boot disk (and a template's other disks) copied from their sources into `pool`: a full copy
 * (`STORAGE_VOL_CREATE_XML_FROM`, flattened into qcow2) or, for a linked template source, a qcow2 overlay backed by
 * the template's image; the boot disk then grown to its size (`STORAGE_VOL_RESIZE`; an overlay is made at that size).
 */
async function sourceVolumes(
  host: Parameters<typeof createVolume>[0],
  pool: Parameters<typeof createVolume>[1],
  sources: SourceDisks,
  volumeName: (target: string) => string,
  signal: AbortSignal,
): Promise<GuestVolume[]> {
  const made: GuestVolume[] = [];
  try {
    for (const [index, disk] of sources.disks.entries()) {
      const capacityBytes = index === 0 ? sources.bootDiskBytes : disk.capacityBytes;
      const spec = { name: volumeName(virtioDiskName(index)), format: 'qcow2' };
      if (sources.mode === 'linked') {
        made.push(
          await createVolume(
            host,
            pool,
            { ...spec, capacityBytes, backing: { path: disk.path, format: disk.format } },
            signal,
          ),
        );
        continue;
      }
      const copy = await copyVolume(
        host,
        pool,
        { ...spec, capacityBytes: disk.capacityBytes },
        disk.vol,
        signal,
      );
      made.push(copy);
      if (capacityBytes > disk.capacityBytes) await resizeVolume(host, copy.vol, capacityBytes, signal);
    }
    return made;
  } catch (error) {
    await Promise.allSettled(made.map((volume) => deleteVolume(host, volume.vol)));
    throw error;
  }
}

/** The new domain's CPUs and memory: the spec's; where it names none, a template source's, else the defaults. */
function sizeOf(spec: VmSpec, sources: SourceDisks | undefined): { cpus: number; memoryMiB: number } {
  const template = sources?.templateSize;
  if (template === undefined) return vmSizeOrDefaults(spec);
  return { cpus: spec.cpus ?? template.cpus, memoryMiB: spec.memoryMiB ?? template.memoryMiB };
}
