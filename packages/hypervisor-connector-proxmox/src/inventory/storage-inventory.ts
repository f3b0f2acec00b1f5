import type { Storage, StorageContentKind, StorageQuery } from '@hvc/hypervisor-connector';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { PveStorageConfigsSchema, PveStorageResourcesSchema } from './inventory-schemas.js';

/**
 * PVE's content types as the contract names them (`pve-storage:src/PVE/Storage/Plugin.pm` content types; `import`
 * since libpve-storage-perl 8.1.1). Types the contract does not name are left out of `contentKinds` (kept in `raw`).
 */
export const PVE_CONTENT_KINDS: Readonly<Record<string, StorageContentKind>> = {
  images: 'disk',
  rootdir: 'container-rootfs',
  iso: 'iso',
  vztmpl: 'container-template',
  import: 'image',
  snippets: 'snippet',
  backup: 'backup',
};

const split = (list: string | undefined) =>
  list ? list.split(',').filter((v) => v !== '' && v !== 'none') : [];

/**
 * Every storage the credential may see, with where it is and how full: the configuration from `GET /storage`
 * (`shared`, `disable`, `content`; filtered by `Datastore.Audit`/`Datastore.AllocateSpace`) joined with the
 * per-node items of `GET /cluster/resources?type=storage` (`status`, `maxdisk`, `disk`; same filter). Two calls for
 * the whole cluster.
 */
export async function pveStorages(pve: ProxmoxContext, signal: AbortSignal | undefined): Promise<Storage[]> {
  const [configs, resources] = await Promise.all([
    pve.client.get('/storage', undefined, PveStorageConfigsSchema, { signal }),
    pve.client.get('/cluster/resources', { type: 'storage' }, PveStorageResourcesSchema, { signal }),
  ]);
  return configs.map((config): Storage => {
    const items = resources.filter((r) => r.type === 'storage' && r.storage === config.storage && r.node);
    const shared = config.shared ?? items.some((r) => r.shared === true);
    const availability = items.map((r) => ({
      node: r.node!,
      active: r.status === 'available',
      ...(r.maxdisk === undefined ? {} : { capacityBytes: r.maxdisk }),
      ...(r.maxdisk === undefined || r.disk === undefined
        ? {}
        : { freeBytes: Math.max(0, r.maxdisk - r.disk) }),
    }));
    const totals = shared ? availability.find((a) => a.capacityBytes !== undefined) : undefined;
    return {
      id: config.storage,
      type: config.type,
      contentKinds: split(config.content).flatMap((c) => PVE_CONTENT_KINDS[c] ?? []),
      shared,
      availability,
      ...(totals?.capacityBytes === undefined ? {} : { capacityBytes: totals.capacityBytes }),
      ...(totals?.freeBytes === undefined ? {} : { freeBytes: totals.freeBytes }),
      enabled: config.disable !== true,
      raw: { ...config, resources: items },
    };
  });
}

/** Whether `storage` matches the query's node and content kinds. */
export function storageMatches(storage: Storage, query: StorageQuery): boolean {
  return (
    (query.node === undefined || storage.availability.some((a) => a.node === query.node)) &&
    (query.contentKinds ?? []).every((kind) => storage.contentKinds.includes(kind))
  );
}
