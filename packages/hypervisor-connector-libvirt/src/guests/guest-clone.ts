import { randomBytes, randomUUID } from 'node:crypto';
import {
  type CloneSpec,
  ConflictError,
  InvalidArgumentError,
  type Operation,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { vncPassword } from '../console/vnc-password.js';
import { cloneDomainXml } from '../domains/domain-clone-xml.js';
import { isOwnDisk } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import { requireState } from '../domains/domain-status.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { DEFINE_VALIDATE } from './guest-create.js';
import { diskVolume } from './guest-delete.js';
import { readGuestDevices } from './guest-devices-read.js';
import { assertNameFree } from './guest-placement.js';
import {
  copyVolume,
  createVolume,
  deleteVolume,
  type GuestVolume,
  lookupPool,
  volumeCapacity,
} from './storage-volumes.js';

/** A clone's name when the spec gives none: the source's, `-clone-` and four random hex digits. */
function defaultCloneName(source: string): string {
  return `${source.slice(0, 116)}-clone-${randomBytes(2).toString('hex')}`;
}

/**
 * `cloneGuest`. `linked`: the source must be a template (CONFLICT otherwise); each of its disks gets a qcow2
 * overlay backed by the template's image (`STORAGE_VOL_CREATE_XML` with a backing store). `full`: the source must be
 * shut off (CONFLICT otherwise); each disk is copied whole (`STORAGE_VOL_CREATE_XML_FROM`, a flattened qcow2) and the
 * source is held meanwhile. Either way the clone is defined from the source's persistent XML (see
 * `cloneDomainXml`) with a UUID chosen up front, on `targetNode` or the source's node; the disks go to `storage` or
 * the target's pool, which must be one the target node shares. Cloning from a snapshot is not offered
 * (INVALID_ARGUMENT). A failed define removes the volumes made.
 */
export async function cloneGuest(
  context: LibvirtContext,
  uuid: string,
  spec: CloneSpec,
  signal?: AbortSignal,
): Promise<Operation> {
  if (spec.snapshot !== undefined) {
    throw new InvalidArgumentError('invalid clone spec: the libvirt connector clones a guest as it is now', {
      violations: [{ field: 'snapshot', message: 'cloning from an internal snapshot is not supported' }],
    });
  }
  const { status, xml, definition: source } = await readGuestDevices(context, uuid, signal);
  if (spec.mode === 'linked' && !source.metadata.template) {
    throw new ConflictError(
      `guest ${uuid} is not a template: a linked clone needs one (a template never runs)`,
      {
        retryable: false,
        details: { guestId: uuid, reason: 'not-a-template' },
      },
    );
  }
  requireState(status, status.state === DomainState.SHUTOFF, 'clone', 'only a shut off guest is cloned');
  const host =
    spec.targetNode === undefined ? status.host : await context.target.byNode(spec.targetNode, signal);
  const name = spec.name ?? defaultCloneName(source.name);
  await assertNameFree(context, name, signal);
  const disks = source.disks.filter(isOwnDisk);
  const volumes = await Promise.all(
    disks.map(async (disk) => {
      const vol = await diskVolume(host, disk, context.config.pool, signal);
      if (vol === undefined) {
        throw new ConflictError(
          `disk ${disk.target ?? '?'} of guest ${uuid} (${disk.path ?? disk.volume}) is in no storage pool of node ` +
            `${context.target.nodeName(host)}: it cannot be cloned there`,
          { retryable: false, details: { guestId: uuid, reason: 'disk-outside-pools' } },
        );
      }
      return { disk, vol };
    }),
  );
  const pool = await lookupPool(host, spec.storage ?? context.config.pool, signal);
  const cloneUuid = randomUUID();
  return context.operations.begin({
    type: 'clone',
    node: context.target.nodeName(host),
    uuid: cloneUuid,
    holds: [cloneUuid, uuid],
    raw: { host: host.display, name, source: uuid, mode: spec.mode },
    work: async (run) => {
      const made: GuestVolume[] = [];
      try {
        for (const [index, { disk, vol }] of volumes.entries()) {
          const capacityBytes = await volumeCapacity(host, vol, run.closing);
          const volumeName = `${name}-${cloneUuid.slice(0, 8)}-${disk.target ?? `disk${index}`}.qcow2`;
          const volumeSpec = { name: volumeName, capacityBytes, format: 'qcow2' };
          const path = (await host.call(P.REMOTE_PROC_STORAGE_VOL_GET_PATH, { vol }, run.closing)).name;
          made.push(
            spec.mode === 'linked'
              ? await createVolume(
                  host,
                  pool,
                  { ...volumeSpec, backing: { path, format: disk.format ?? 'qcow2' } },
                  run.closing,
                )
              : await copyVolume(host, pool, volumeSpec, vol, run.closing),
          );
          run.progress((index + 1) / (volumes.length + 1));
        }
        const cloneXml = cloneDomainXml(xml, source, {
          uuid: cloneUuid,
          name,
          ...(spec.description === undefined ? {} : { description: spec.description }),
          diskPaths: made.map((volume) => volume.path),
          vncPassword: vncPassword(),
          metadata: {
            template: false,
            tags: [...source.metadata.tags],
            ...((spec.pool ?? source.metadata.pool) === undefined
              ? {}
              : { pool: spec.pool ?? source.metadata.pool }),
          },
        });
        await host.call(
          P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
          { xml: cloneXml, flags: DEFINE_VALIDATE },
          run.closing,
        );
      } catch (error) {
        await Promise.allSettled(made.map((volume) => deleteVolume(host, volume.vol)));
        throw error;
      }
      context.locator.remember(cloneUuid, host, name);
      return undefined;
    },
  });
}
