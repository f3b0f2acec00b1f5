import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, type Operation, type VmSpec } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { LibvirtCreateOptionsSchema, libvirtOptions } from '../connector/provider-options.js';
import { vncPassword } from '../console/vnc-password.js';
import { buildDomainXml, type NewDomainNic } from '../domains/domain-builder.js';
import { domainRef } from '../domains/guest-locator.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { assertNameFree, placeGuest } from './guest-placement.js';
import { createVolume, deleteVolume, type GuestVolume, lookupPool } from './storage-volumes.js';

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

/** The NICs of a spec as domain NICs; VLAN tags are refused (they need an Open vSwitch port profile). */
function domainNics(context: LibvirtContext, spec: VmSpec): NewDomainNic[] {
  const violations = spec.nics.flatMap((nic, index) =>
    nic.vlan === undefined
      ? []
      : [
          {
            field: `nics.${index}.vlan`,
            message: 'libvirt tags VLANs only on Open vSwitch ports; attach to a bridge of that VLAN instead',
          },
        ],
  );
  if (violations.length > 0) {
    throw new InvalidArgumentError(`invalid guest spec: ${violations.map((v) => v.message).join('; ')}`, {
      violations,
    });
  }
  return spec.nics.map((nic) => ({
    kind: nic.bridge === context.config.network ? 'network' : 'bridge',
    source: nic.bridge,
    model: nic.model ?? 'virtio',
    ...(nic.macAddress === undefined ? {} : { mac: nic.macAddress.toLowerCase() }),
    firewall: nic.firewall === true,
  }));
}

/**
 * `createGuest`: checks everything it can before anything is made — the options, the node, the platform the host
 * offers (the domain type from its capabilities), the name (unique in the target: ALREADY_EXISTS), the pools and
 * the CD-ROM volume — then returns the operation while, in the background, the disks' qcow2 volumes are created in
 * their pools, the domain is defined with a UUID chosen up front (the operation's guest id) and started when asked.
 * A failed define removes the volumes it made.
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
  const nics = domainNics(context, spec);
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
    spec.disks.map((disk) => lookupPool(host, disk.storage ?? context.config.pool, signal)),
  );
  let cdrom: { pool: string; volume: string } | undefined;
  if (spec.cdrom !== undefined) {
    const separator = spec.cdrom.indexOf(':');
    cdrom = { pool: spec.cdrom.slice(0, separator), volume: spec.cdrom.slice(separator + 1) };
    const pool = await lookupPool(host, cdrom.pool, signal);
    await host.call(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, { pool, name: cdrom.volume }, signal);
  }
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
      try {
        for (const [index, disk] of spec.disks.entries()) {
          const target = virtioDiskName(index);
          const volume = await createVolume(
            host,
            pools[index]!,
            {
              name: `${spec.name}-${uuid.slice(0, 8)}-${target}.qcow2`,
              capacityBytes: disk.sizeGiB * GIB,
              format: 'qcow2',
            },
            run.closing,
          );
          made.push(volume);
        }
        const xml = buildDomainXml({
          uuid,
          name: spec.name,
          ...(spec.description === undefined ? {} : { description: spec.description }),
          cpus: spec.cpus,
          memoryMiB: spec.memoryMiB,
          platform,
          ...(machine === undefined ? {} : { machine }),
          ...(emulator === undefined ? {} : { emulator }),
          firmware: spec.firmware,
          osType: spec.osType,
          ...(options.kernel === undefined ? {} : { kernel: options.kernel }),
          ...(options.initrd === undefined ? {} : { initrd: options.initrd }),
          ...(options.cmdline === undefined ? {} : { cmdline: options.cmdline }),
          disks: made.map((volume, index) => ({
            path: volume.path,
            format: 'qcow2',
            target: virtioDiskName(index),
          })),
          ...(cdrom === undefined ? {} : { cdrom }),
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
