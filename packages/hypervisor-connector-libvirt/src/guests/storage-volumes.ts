import { isHypervisorError, NotFoundError } from '@hvc/hypervisor-connector';
import { retry } from '@hvc/hypervisor-connector-kit';
import { attributes, buildXml } from '../domains/xml-codec.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import {
  RemoteProcedure as P,
  type RemoteNonnullStoragePool,
  type RemoteNonnullStorageVol,
} from '../protocol/generated/remote-protocol.gen.js';

/** A volume made for a guest: where it is and how to remove it. */
export interface GuestVolume {
  readonly vol: RemoteNonnullStorageVol;
  readonly path: string;
}

/** What a new volume is. */
export interface VolumeSpec {
  readonly name: string;
  readonly capacityBytes: number;
  readonly format: string;
  /** A qcow2 overlay on this image (a linked clone's disk). */
  readonly backing?: { readonly path: string; readonly format: string };
}

/** The volume XML of `spec`. */
export function volumeXml(spec: VolumeSpec): string {
  return buildXml({
    volume: {
      name: spec.name,
      capacity: { ...attributes({ unit: 'bytes' }), '#text': String(Math.round(spec.capacityBytes)) },
      target: { format: attributes({ type: spec.format }) },
      ...(spec.backing === undefined
        ? {}
        : { backingStore: { path: spec.backing.path, format: attributes({ type: spec.backing.format }) } }),
    },
  });
}

/** A storage pool of `host` by name (NOT_FOUND when it has none). */
export async function lookupPool(
  host: LibvirtHost,
  name: string,
  signal?: AbortSignal,
  field?: string,
): Promise<RemoteNonnullStoragePool> {
  try {
    return (await host.call(P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, { name }, signal)).pool;
  } catch (error) {
    // A pool the caller named: NOT_FOUND says which field named it.
    if (field === undefined || !isHypervisorError(error, 'NOT_FOUND')) throw error;
    throw new NotFoundError(`storage '${name}' not found`, {
      cause: error,
      details: { resource: 'storage', id: name, field },
    });
  }
}

async function withPath(host: LibvirtHost, vol: RemoteNonnullStorageVol, signal?: AbortSignal) {
  const { name } = await host.call(P.REMOTE_PROC_STORAGE_VOL_GET_PATH, { vol }, signal);
  return { vol, path: name };
}

/** Creates a volume in `pool` (`STORAGE_VOL_CREATE_XML`). */
export async function createVolume(
  host: LibvirtHost,
  pool: RemoteNonnullStoragePool,
  spec: VolumeSpec,
  signal?: AbortSignal,
): Promise<GuestVolume> {
  const { vol } = await host.call(
    P.REMOTE_PROC_STORAGE_VOL_CREATE_XML,
    { pool, xml: volumeXml(spec), flags: 0 },
    signal,
  );
  return withPath(host, vol, signal);
}

/** Copies `source` into a new volume of `pool` (`STORAGE_VOL_CREATE_XML_FROM`: a full, flattened copy). */
export async function copyVolume(
  host: LibvirtHost,
  pool: RemoteNonnullStoragePool,
  spec: VolumeSpec,
  source: RemoteNonnullStorageVol,
  signal?: AbortSignal,
): Promise<GuestVolume> {
  const { vol } = await host.call(
    P.REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM,
    { pool, xml: volumeXml(spec), clonevol: source, flags: 0 },
    signal,
  );
  return withPath(host, vol, signal);
}

/**
 * The volume at `path` on `host`, or `undefined` when it is in none of the host's pools. A volume made through
 * another host of a shared pool is only seen after a refresh: when the lookup misses, `pool` is refreshed and asked
 * again.
 */
export async function volumeAtPath(
  host: LibvirtHost,
  path: string,
  pool: string,
  signal?: AbortSignal,
): Promise<RemoteNonnullStorageVol | undefined> {
  const lookup = () =>
    host.call(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, { path }, signal).then(
      (reply) => reply.vol,
      (error: unknown) => {
        if (isHypervisorError(error, 'NOT_FOUND')) return undefined;
        throw error;
      },
    );
  const found = await lookup();
  if (found !== undefined) return found;
  await refreshPool(host, pool, signal);
  return lookup();
}

/**
 * libvirt refuses to refresh a pool while a volume job (an upload, a download, a wipe) runs in it, with
 * "pool '…' has asynchronous jobs running" (storage_driver.c): the refresh waits for the job (about 5 s at most)
 * instead of failing.
 */
const POOL_BUSY_RETRY = {
  attempts: 20,
  backoff: { initialMs: 250, factor: 1, maxMs: 250 },
  retryIf: (error: unknown) =>
    isHypervisorError(error) && /has asynchronous jobs running/.test(error.message),
} as const;

/** Re-reads a pool's directory on `host` (a pool it does not have is left alone). */
export async function refreshPool(host: LibvirtHost, name: string, signal?: AbortSignal): Promise<void> {
  try {
    const pool = await lookupPool(host, name, signal);
    await retry(() => host.call(P.REMOTE_PROC_STORAGE_POOL_REFRESH, { pool, flags: 0 }, signal), {
      ...POOL_BUSY_RETRY,
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (!isHypervisorError(error, 'NOT_FOUND')) throw error;
  }
}

/** The capacity of a volume in bytes. */
export async function volumeCapacity(
  host: LibvirtHost,
  vol: RemoteNonnullStorageVol,
  signal?: AbortSignal,
): Promise<number> {
  const info = await host.call(P.REMOTE_PROC_STORAGE_VOL_GET_INFO, { vol }, signal);
  return Number(info.capacity);
}

/** Deletes a volume; one already gone is fine. */
export async function deleteVolume(
  host: LibvirtHost,
  vol: RemoteNonnullStorageVol,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await host.call(P.REMOTE_PROC_STORAGE_VOL_DELETE, { vol, flags: 0 }, signal);
  } catch (error) {
    if (!isHypervisorError(error, 'NOT_FOUND')) throw error;
  }
}

/**
 * Grows a volume to `capacityBytes` (`STORAGE_VOL_RESIZE` with an absolute size: never `DELTA`, so a retry grows
 * once; never `SHRINK`). Only for a volume no running guest has open: QEMU holds its image locked.
 */
export async function resizeVolume(
  host: LibvirtHost,
  vol: RemoteNonnullStorageVol,
  capacityBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  await host.call(
    P.REMOTE_PROC_STORAGE_VOL_RESIZE,
    { vol, capacity: BigInt(capacityBytes), flags: 0 },
    signal,
  );
}
