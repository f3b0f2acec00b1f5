import {
  type BootDevice,
  type GuestCdrom,
  type GuestCloudInitConfig,
  type GuestConfig,
  type GuestDisk,
  type GuestNic,
  isHypervisorError,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { CLOUD_INIT_METADATA_URI, parseCloudInitMetadata } from '../domains/cloud-init-metadata.js';
import { isOwnDisk } from '../domains/domain-definition.js';
import type { DomainStatus } from '../domains/domain-status.js';
import { isNoDomain } from '../domains/guest-locator.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { isSeedDisk } from './cloud-init-seed.js';
import { diskVolume } from './guest-delete.js';
import { nicSlot, readGuestDevices } from './guest-devices-read.js';
import { AFFECT_CONFIG } from './guest-update.js';
import { volumeCapacity } from './storage-volumes.js';

const BOOT_DEVICES: Readonly<Record<string, BootDevice>> = { hd: 'disk', cdrom: 'cdrom', network: 'network' };

/**
 * `getGuestConfig` from the persistent domain XML: disks by their target (`vda`, the slot `resizeDisk` takes) with
 * their volume's size and pool, CD-ROMs (the cloud-init seed marked), NICs by slot (`net0`), the boot order of
 * `<os><boot>`, the guest agent channel, the template mark, the configuration digest, and the cloud-init settings
 * the connector recorded in the metadata when it made the seed (never the password or its hash).
 */
export async function getGuestConfig(
  context: LibvirtContext,
  uuid: string,
  signal?: AbortSignal,
): Promise<GuestConfig> {
  const { status, definition } = await readGuestDevices(context, uuid, signal);
  const boot = definition.bootDevices.flatMap((dev) =>
    BOOT_DEVICES[dev] === undefined ? [] : [BOOT_DEVICES[dev]],
  );
  const bootsFromDisk = boot.length === 0 || boot[0] === 'disk';
  const own = definition.disks.filter(isOwnDisk);
  const disks: GuestDisk[] = await Promise.all(
    own.map(async (disk, index) => {
      const vol = await diskVolume(status.host, disk, context.config.pool, signal);
      const sizeBytes = vol === undefined ? 0 : await volumeCapacity(status.host, vol, signal);
      return {
        slot: disk.target ?? `disk${index}`,
        sizeBytes,
        ...(vol === undefined ? {} : { storage: vol.pool, volumeId: `${vol.pool}:${vol.name}` }),
        boot: disk.bootOrder === 1 || (index === 0 && bootsFromDisk && disk.bootOrder === undefined),
      };
    }),
  );
  const cdroms: GuestCdrom[] = definition.disks
    .filter((disk) => disk.device === 'cdrom')
    .map((disk, index) => ({
      slot: disk.target ?? `cdrom${index}`,
      ...(disk.pool !== undefined && disk.volume !== undefined
        ? { volumeId: `${disk.pool}:${disk.volume}` }
        : {}),
      cloudInit: isSeedDisk(disk),
    }));
  const nics: GuestNic[] = definition.nics.map((nic, index) => ({
    slot: nicSlot(nic, index),
    ...(nic.source === undefined ? {} : { network: nic.source }),
    ...(nic.mac === undefined ? {} : { macAddress: nic.mac }),
    ...(nic.model === undefined ? {} : { model: nic.model }),
    ...(nic.vlan === undefined ? {} : { vlan: nic.vlan }),
    firewall: nic.filtered === true,
  }));
  const cloudInit = cdroms.some((cdrom) => cdrom.cloudInit) ? await readCloudInit(status, signal) : undefined;
  return {
    guestId: uuid,
    cpus: definition.vcpus,
    memoryMiB: Math.round(definition.memoryBytes / 1024 / 1024),
    firmware: definition.uefi ? 'uefi' : 'bios',
    ...(boot.length === 0 ? {} : { boot }),
    disks,
    cdroms,
    nics,
    ...(cloudInit === undefined ? {} : { cloudInit }),
    guestAgent: definition.guestAgent,
    template: definition.metadata.template,
    digest: definition.digest,
    raw: {
      name: definition.name,
      disks: definition.disks,
      nics: definition.nics,
      bootDevices: definition.bootDevices,
    },
  };
}

/** `VIR_DOMAIN_METADATA_ELEMENT`. */
const METADATA_ELEMENT = 2;

/** The cloud-init settings recorded in the guest's metadata; `undefined` when it has none. */
async function readCloudInit(
  status: DomainStatus,
  signal?: AbortSignal,
): Promise<GuestCloudInitConfig | undefined> {
  try {
    const { metadata } = await status.host.call(
      P.REMOTE_PROC_DOMAIN_GET_METADATA,
      { dom: status.dom, type: METADATA_ELEMENT, uri: CLOUD_INIT_METADATA_URI, flags: AFFECT_CONFIG },
      signal,
    );
    return parseCloudInitMetadata(metadata);
  } catch (error) {
    // NO_DOMAIN_METADATA (not NO_DOMAIN): a seed made by something else.
    if (isHypervisorError(error, 'NOT_FOUND') && !isNoDomain(error)) return undefined;
    throw error;
  }
}
