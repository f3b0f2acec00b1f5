import { randomBytes } from 'node:crypto';
import type { CloudInitSpec } from '@hvc/hypervisor-connector';
import { buildNoCloudSeedImage, sha512CryptAsync } from '@hvc/hypervisor-connector-kit/cloud-init';
import { SEED_ALIAS } from '../domains/domain-clone-xml.js';
import type { DomainDisk } from '../domains/domain-definition.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import type { RemoteNonnullStoragePool } from '../protocol/generated/remote-protocol.gen.js';
import type { GuestVolume } from './storage-volumes.js';
import { uploadNewVolume } from './volume-upload.js';

/**
 * The user alias of a guest's cloud-init seed CD-ROM (`<alias name='ua-hvc-cidata'/>`; libvirt keeps `ua-` aliases
 * in the persistent configuration): how the connector tells the seed from an ordinary ISO, to report it and to
 * delete its volume with the guest.
 */
export { SEED_ALIAS };

/** Whether a domain disk is hvc's cloud-init seed. */
export function isSeedDisk(disk: DomainDisk): boolean {
  return disk.device === 'cdrom' && disk.alias === SEED_ALIAS;
}

/** A MAC address in QEMU's locally administered range `52:54:00`, random otherwise. */
export function randomMac(): string {
  return ['52', '54', '00', ...[...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, '0'))].join(
    ':',
  );
}

/**
 * Builds the NoCloud seed of a new guest with the kit (an ISO-9660 image labelled `cidata`; the password only as its
 * SHA-512 crypt hash, made without holding the event loop) and uploads it as the raw volume `volumeName` of `pool`
 * through the storage stream API, so a remote host gets it too.
 */
export async function uploadCloudInitSeed(
  host: LibvirtHost,
  pool: RemoteNonnullStoragePool,
  volumeName: string,
  input: { readonly cloudInit: CloudInitSpec; readonly guestName: string; readonly macs: readonly string[] },
  signal?: AbortSignal,
): Promise<GuestVolume> {
  const { password, ...rest } = input.cloudInit;
  const cloudInit: CloudInitSpec =
    password === undefined ? input.cloudInit : { ...rest, passwordHash: await sha512CryptAsync(password) };
  const image = buildNoCloudSeedImage({
    cloudInit,
    guestName: input.guestName,
    nics: input.macs.map((macAddress) => ({ macAddress })),
  });
  return uploadNewVolume(host, pool, volumeName, image, signal);
}
