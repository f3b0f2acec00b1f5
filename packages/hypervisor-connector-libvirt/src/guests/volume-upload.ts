import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import {
  RemoteProcedure as P,
  type RemoteNonnullStoragePool,
} from '../protocol/generated/remote-protocol.gen.js';
import { createVolume, deleteVolume, type GuestVolume } from './storage-volumes.js';

/**
 * Creates the raw volume `name` in `pool` holding exactly `data` (a cloud-init seed image, for one): the volume is
 * made with `data`'s size (`STORAGE_VOL_CREATE_XML`), then filled through an upload stream
 * (`STORAGE_VOL_UPLOAD`), complete once the daemon confirms the stream's finish. A failed or aborted upload
 * deletes the volume again, so no half-written image is left behind.
 */
export async function uploadNewVolume(
  host: LibvirtHost,
  pool: RemoteNonnullStoragePool,
  name: string,
  data: Uint8Array,
  signal?: AbortSignal,
): Promise<GuestVolume> {
  const volume = await createVolume(host, pool, { name, capacityBytes: data.length, format: 'raw' }, signal);
  try {
    const client = await host.client(signal);
    const { stream } = await client.openStream(
      P.REMOTE_PROC_STORAGE_VOL_UPLOAD,
      { vol: volume.vol, offset: 0n, length: BigInt(data.length), flags: 0 },
      signal === undefined ? {} : { signal },
    );
    await pipeline(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.length)]), stream, {
      ...(signal === undefined ? {} : { signal }),
    });
    return volume;
  } catch (error) {
    // Best effort: the upload's own error is the one the caller needs.
    await deleteVolume(host, volume.vol).catch(() => {});
    throw error;
  }
}
