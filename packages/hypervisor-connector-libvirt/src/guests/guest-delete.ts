import { isHypervisorError, type Operation } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import type { DomainDisk } from '../domains/domain-definition.js';
import { isOwnDisk, parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import { readDomainStatus, requireState } from '../domains/domain-status.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import {
  RemoteProcedure as P,
  type RemoteNonnullStorageVol,
} from '../protocol/generated/remote-protocol.gen.js';
import { isSeedDisk } from './cloud-init-seed.js';
import { deleteVolume, lookupPool, volumeAtPath } from './storage-volumes.js';

/** `VIR_DOMAIN_XML_INACTIVE`: the persistent configuration. */
export const XML_INACTIVE = 2;
/** Managed save image, snapshot and checkpoint metadata, NVRAM: everything libvirt keeps besides the definition. */
const UNDEFINE_EVERYTHING = 1 | 2 | 4 | 16;

/** The volume of one of a guest's disks on `host`, when it is in a storage pool there. */
export async function diskVolume(
  host: LibvirtHost,
  disk: DomainDisk,
  defaultPool: string,
  signal?: AbortSignal,
): Promise<RemoteNonnullStorageVol | undefined> {
  if (disk.type === 'volume' && disk.pool !== undefined && disk.volume !== undefined) {
    try {
      const pool = await lookupPool(host, disk.pool, signal);
      return (await host.call(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, { pool, name: disk.volume }, signal))
        .vol;
    } catch (error) {
      if (isHypervisorError(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }
  return disk.path === undefined ? undefined : volumeAtPath(host, disk.path, defaultPool, signal);
}

/**
 * `deleteGuest`: only a shut off guest (CONFLICT otherwise). Undefines the domain with its snapshot and
 * checkpoint metadata, NVRAM and managed save image, then deletes the volumes of its own disks and of its
 * cloud-init seed; a disk in no
 * storage pool of its host is left in place, with a warning. A linked clone's disk is its overlay: the template's
 * image stays. Deleting a template whose linked clones still exist leaves them without their backing image.
 */
export async function deleteGuest(
  context: LibvirtContext,
  uuid: string,
  signal?: AbortSignal,
): Promise<Operation> {
  context.locks.assertFree(uuid);
  const status = await readDomainStatus(context.locator, uuid, signal);
  requireState(status, status.state === DomainState.SHUTOFF, 'delete', 'stop it first');
  const { host, dom } = status;
  const { xml } = await host.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: XML_INACTIVE }, signal);
  // Its own disks and its cloud-init seed; ISOs it merely uses stay.
  const disks = parseDomainXml(xml).disks.filter((disk) => isOwnDisk(disk) || isSeedDisk(disk));
  const node = context.target.nodeName(host);
  return context.operations.begin({
    type: 'delete',
    node,
    uuid,
    raw: { host: host.display, name: dom.name },
    work: async (run) => {
      await host.call(P.REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, { dom, flags: UNDEFINE_EVERYTHING }, run.closing);
      context.locator.forget(uuid);
      const warnings: string[] = [];
      for (const disk of disks) {
        const volume = await diskVolume(host, disk, context.config.pool, run.closing);
        if (volume === undefined) {
          warnings.push(
            `disk ${disk.target ?? '?'} (${disk.path}) is in no storage pool of ${node}: left in place`,
          );
        } else {
          await deleteVolume(host, volume, run.closing);
        }
      }
      return warnings;
    },
  });
}
