import { checkVolumeAccess } from '../auth/volume-access.js';
import { nodeParam, required, str } from '../params/param-spec.js';
import { fail, paramError } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import type { StorageState } from '../state/model.js';
import { parseVolumeId } from '../state/volume-names.js';

/** pve-storage `API2/Storage/Content.pm` `$real_volume_id`: the volume id from `{volume}` and the optional storage. */
function realVolumeId(storage: string | undefined, volume: string): string {
  if (volume.includes(':')) {
    const id = parseVolumeId(volume);
    if (!id) throw paramError({ volume: `unable to parse volume ID '${volume}'\n` });
    if (storage !== undefined && id.storage !== storage) {
      throw paramError({ volume: `storage ID mismatch (${id.storage} != ${storage})\n` });
    }
    return volume;
  }
  if (storage === undefined) throw paramError({ volume: 'no storage specified - incomplete volume ID' });
  return `${storage}:${volume}`;
}

/** The file or device path of a volume as the storage plugins build it (`PVE::Storage::path`). */
function volumePath(s: StorageState, volname: string): string {
  if (s.type === 'lvmthin') return `/dev/pve/${volname}`;
  if (s.type === 'rbd' || s.type === 'zfspool') return `/dev/${s.id}/${volname}`;
  const base = s.id === 'local' ? '/var/lib/vz' : `/mnt/pve/${s.id}`;
  const disk = /^(?:vm|base)-(\d+)-/.exec(volname);
  return disk ? `${base}/images/${disk[1]}/${volname}` : `${base}/${volname}`;
}

/**
 * `GET /nodes/{node}/storage/{storage}/content/{volume}` (pve-storage `API2/Storage/Content.pm` `info`):
 * `check_volume_access`, then `volume_size_info` — `size` is the disk's virtual size, not the file size.
 */
function volumeInfo(ctx: RouteContext): Record<string, unknown> {
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  const storage = typeof ctx.params.storage === 'string' ? ctx.params.storage : undefined;
  const volid = realVolumeId(storage, String(ctx.params.volume));
  checkVolumeAccess(ctx.env, ctx.who, undefined, volid);
  const id = parseVolumeId(volid)!;
  const def = ctx.env.cluster.storages.get(id.storage);
  if (!def) throw fail(`storage '${id.storage}' does not exist`);
  const v = ctx.env.cluster.volume(node, volid);
  if (!v) throw fail(`volume_size_info on '${volid}' failed - no format`);
  return { path: volumePath(def, id.volname), size: v.virtualSize, used: v.size, format: v.format };
}

/** The one-volume route under a storage's content. */
export function storageVolumeRoutes(): RouteDef[] {
  return [
    route(
      'GET',
      '/nodes/{node}/storage/{storage}/content/{volume}',
      { node: nodeParam, storage: str({ format: 'pve-storage-id' }), volume: required(str()) },
      volumeInfo,
    ),
  ];
}
