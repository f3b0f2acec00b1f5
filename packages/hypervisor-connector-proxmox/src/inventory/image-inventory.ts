import {
  type Image,
  type ImageKind,
  type ImageQuery,
  NotFoundError,
  type Storage,
} from '@hvc/hypervisor-connector';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { contractGuestType, type PveGuestType } from '../mapping/guest-id.js';
import { type PveVolume, PveVolumesSchema } from './inventory-schemas.js';

/** The storage content types images come from, and the contract kind of each. */
const CONTENT_IMAGE_KIND: Readonly<Record<string, Exclude<ImageKind, 'template'>>> = {
  iso: 'iso',
  vztmpl: 'container-template',
  import: 'disk-image',
};

/**
 * `import` volumes a guest disk can be made from: `pve-storage:src/PVE/Storage.pm $IMPORT_EXT_RE_1` also lists
 * `ova` and `ovf`, which need extracting first and are no disk image.
 */
const DISK_IMAGE_FORMATS = new Set(['qcow2', 'raw', 'vmdk']);

/**
 * ISOs, container templates and disk images from every storage that may hold them — read once for a shared storage
 * (on a node where it is active), once per node for a local one (`GET /nodes/{node}/storage/{storage}/content`,
 * which needs `Datastore.Audit` or `Datastore.AllocateSpace` on the storage) — and the guest templates of
 * `/cluster/resources` (guests with `template: 1`). Only the storages, nodes and kinds the query can match are read.
 */
export async function pveImages(
  pve: ProxmoxContext,
  storages: readonly Storage[],
  query: ImageQuery,
  signal: AbortSignal | undefined,
): Promise<Image[]> {
  if (query.storage !== undefined && !storages.some((s) => s.id === query.storage)) {
    throw new NotFoundError(`storage '${query.storage}' not found`, {
      ...pve.origin,
      details: { resource: 'storage', id: query.storage, field: 'storage' },
    });
  }
  const wanted = (kind: ImageKind) => query.kinds === undefined || query.kinds.includes(kind);
  const reads: { storage: Storage; node: string }[] = [];
  for (const storage of storages) {
    if (!storage.enabled || (query.storage !== undefined && storage.id !== query.storage)) continue;
    const holds = Object.entries(CONTENT_IMAGE_KIND).some(
      ([, kind]) => wanted(kind) && storage.contentKinds.includes(kind === 'disk-image' ? 'image' : kind),
    );
    if (!holds) continue;
    const active = storage.availability.filter((a) => a.active);
    const nodes = storage.shared
      ? active.slice(0, 1)
      : active.filter((a) => query.node === undefined || a.node === query.node);
    for (const { node } of nodes) reads.push({ storage, node });
  }
  const [listed, templates] = await Promise.all([
    Promise.all(
      reads.map(async ({ storage, node }) =>
        (
          await pve.client.get(`/nodes/${node}/storage/${storage.id}/content`, undefined, PveVolumesSchema, {
            node,
            signal,
          })
        ).flatMap((volume) => volumeImage(volume, storage, node) ?? []),
      ),
    ),
    wanted('template') && query.storage === undefined ? pve.locator.guests(signal) : Promise.resolve([]),
  ]);
  const templateImages = templates
    .filter((g) => g.template === true && g.node !== undefined)
    .map((g): Image => {
      const [type, vmid] = g.id.split('/') as [PveGuestType, string];
      return {
        id: g.id,
        kind: 'template',
        name: g.name ?? `${type}-${vmid}`,
        node: g.node!,
        guestType: contractGuestType(type),
        raw: { ...g },
      };
    });
  return [...listed.flat(), ...templateImages].filter(
    (image) =>
      wanted(image.kind) &&
      (query.node === undefined || image.node === undefined || image.node === query.node) &&
      (query.namePrefix === undefined || image.name.startsWith(query.namePrefix)),
  );
}

function volumeImage(volume: PveVolume, storage: Storage, node: string): Image | undefined {
  const kind = CONTENT_IMAGE_KIND[volume.content];
  if (kind === undefined) return undefined;
  if (kind === 'disk-image' && !DISK_IMAGE_FORMATS.has(volume.format ?? '')) return undefined;
  const path = volume.volid.slice(volume.volid.indexOf(':') + 1);
  return {
    id: volume.volid,
    kind,
    name: path.slice(path.lastIndexOf('/') + 1),
    storage: storage.id,
    ...(storage.shared ? {} : { node }),
    ...(volume.format === undefined ? {} : { format: volume.format }),
    // A listing's size is the file's (`Plugin.pm` sets it from stat); a qcow2's virtual size needs the volume's info.
    ...(volume.size === undefined ? {} : { sizeBytes: volume.size }),
    ...(volume.ctime === undefined ? {} : { createdAt: new Date(volume.ctime * 1000).toISOString() }),
    raw: { ...volume },
  };
}
