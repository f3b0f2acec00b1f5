import { createHash } from 'node:crypto';
import { str } from '../params/param-spec.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import type { StorageState } from '../state/model.js';

const STORAGE_TYPES = [
  'btrfs',
  'cephfs',
  'cifs',
  'dir',
  'esxi',
  'iscsi',
  'iscsidirect',
  'lvm',
  'lvmthin',
  'nfs',
  'pbs',
  'rbd',
  'zfs',
  'zfspool',
];

/** The types whose `shared` flag is implied by the plugin rather than written in `storage.cfg`. */
const SHARED_BY_TYPE = new Set(['nfs', 'cifs', 'cephfs', 'rbd', 'iscsi', 'iscsidirect', 'pbs', 'esxi']);

/**
 * `pve-storage:src/PVE/API2/Storage/Config.pm $api_storage_config`: the storage's section of `storage.cfg` plus
 * `storage`, the file's `digest`, `content` as a comma list and `nodes` as a comma list when the section has them.
 */
function storageConfig(s: StorageState, digest: string): Record<string, unknown> {
  return {
    storage: s.id,
    type: s.type,
    content: s.content.length === 0 ? 'none' : s.content.join(','),
    digest,
    ...(s.nodes === undefined ? {} : { nodes: s.nodes.join(',') }),
    ...(s.shared && !SHARED_BY_TYPE.has(s.type) ? { shared: 1 } : {}),
    ...(s.disable ? { disable: 1 } : {}),
    ...(s.type === 'dir' ? { path: s.id === 'local' ? '/var/lib/vz' : `/mnt/pve/${s.id}` } : {}),
  };
}

/**
 * `GET /storage` (`Config.pm index`): every storage of `storage.cfg` in `storage_ids` order (sorted), only those on
 * which the caller has `Datastore.Audit` or `Datastore.AllocateSpace` (`check_any` on `/storage/<id>`), narrowed
 * by `type`. The schema declares only `storage`, but the code returns the whole section.
 */
function index(ctx: RouteContext): unknown[] {
  const storages = [...ctx.env.cluster.storages.values()].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  // SectionConfig's digest is the SHA-1 of the file's text; the fake's text is its records.
  const digest = createHash('sha1').update(JSON.stringify(storages)).digest('hex');
  return storages
    .filter((s) =>
      ['Datastore.Audit', 'Datastore.AllocateSpace'].some((p) =>
        ctx.env.perms.has(ctx.who, `/storage/${s.id}`, p),
      ),
    )
    .filter((s) => ctx.params.type === undefined || s.type === ctx.params.type)
    .map((s) => storageConfig(s, digest));
}

/** The cluster-wide storage configuration. */
export function storageConfigRoutes(): RouteDef[] {
  return [route('GET', '/storage', { type: str({ enum: STORAGE_TYPES }) }, index)];
}
