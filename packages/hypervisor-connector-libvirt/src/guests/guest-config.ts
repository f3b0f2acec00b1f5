import type { BootDevice, GuestCdrom, GuestConfig, GuestDisk, GuestNic } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { isOwnDisk } from '../domains/domain-definition.js';
import { isSeedDisk } from './cloud-init-seed.js';
import { diskVolume } from './guest-delete.js';
import { nicSlot, readGuestDevices } from './guest-devices-read.js';
import { volumeCapacity } from './storage-volumes.js';

const BOOT_DEVICES: Readonly<Record<string, BootDevice>> = { hd: 'disk', cdrom: 'cdrom', network: 'network' };

/**
 * `getGuestConfig` from the persistent domain XML: disks by their target (`vda`, the slot `resizeDisk` takes) with
 * their volume's size and pool, CD-ROMs (the cloud-init seed marked), NICs by slot (`net0`), the boot order of
 * `<os><boot>`, the guest agent channel, the template mark, the configuration digest. Cloud-init settings are not
 * read back: the seed holds them, and only the seed.
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
  return {
    guestId: uuid,
    cpus: definition.vcpus,
    memoryMiB: Math.round(definition.memoryBytes / 1024 / 1024),
    firmware: definition.uefi ? 'uefi' : 'bios',
    ...(boot.length === 0 ? {} : { boot }),
    disks,
    cdroms,
    nics,
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
