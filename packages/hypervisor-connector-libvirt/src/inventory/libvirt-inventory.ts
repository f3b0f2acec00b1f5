import {
  type Image,
  type ImageQuery,
  isHypervisorError,
  type Network,
  type NetworkQuery,
  NotFoundError,
  type Page,
  type Storage,
  type StorageContentKind,
  type StorageQuery,
} from '@hvc/hypervisor-connector';
import { imagePageKey, ipv4Subnet, pageOf } from '@hvc/hypervisor-connector-kit';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { attr, child, parseXml, textOf } from '../domains/xml-codec.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import {
  RemoteProcedure as P,
  type RemoteNonnullStoragePool,
} from '../protocol/generated/remote-protocol.gen.js';

/** `virStoragePoolState` RUNNING. */
const POOL_RUNNING = 2;
/** Pool types whose volumes are files (ISOs and images can live there); others hold block devices. */
const FILE_POOLS = new Set(['dir', 'fs', 'netfs', 'gluster']);
/** Pool types that are one storage seen from every host. */
const NETWORK_POOLS = new Set(['netfs', 'rbd', 'gluster', 'iscsi', 'iscsi-direct', 'sheepdog']);

/** One pool on one host, as the inventory reads it. */
interface PoolOnHost {
  readonly host: LibvirtHost;
  readonly node: string;
  readonly pool: RemoteNonnullStoragePool;
  readonly type: string;
  readonly path?: string;
  readonly active: boolean;
  readonly autostart: boolean;
  readonly capacity: number;
  readonly available: number;
}

/** The storage pools of every reachable host (`CONNECT_LIST_ALL_STORAGE_POOLS`, then info, XML and autostart). */
async function poolsOnHosts(context: LibvirtContext, signal?: AbortSignal): Promise<PoolOnHost[]> {
  const hosts = await context.target.online(signal);
  const perHost = await Promise.all(
    hosts.map(async (host) => {
      const { pools } = await host.call(
        P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
        { need_results: 1, flags: 0 },
        signal,
      );
      return Promise.all(
        pools.map(async (pool): Promise<PoolOnHost> => {
          const [info, { xml }, { autostart }] = await Promise.all([
            host.call(P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool }, signal),
            host.call(P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, { pool, flags: 0 }, signal),
            host.call(P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, { pool }, signal),
          ]);
          const doc = child(parseXml(xml), 'pool');
          const path = textOf(child(doc, 'target'), 'path');
          return {
            host,
            node: context.target.nodeName(host),
            pool,
            type: attr(doc, 'type') ?? 'unknown',
            ...(path === undefined ? {} : { path }),
            active: info.state === POOL_RUNNING,
            autostart: autostart !== 0,
            capacity: Number(info.capacity),
            available: Number(info.available),
          };
        }),
      );
    }),
  );
  return perHost.flat();
}

/**
 * The target's storages: a pool of one name on several hosts is one storage (the lab's convention for shared dir
 * pools) available on each; `shared` for network pool types and for the target's `pool` when `sharedPool`.
 */
function storagesOf(context: LibvirtContext, pools: readonly PoolOnHost[]): Storage[] {
  const byName = new Map<string, PoolOnHost[]>();
  for (const p of pools) byName.set(p.pool.name, [...(byName.get(p.pool.name) ?? []), p]);
  return [...byName.entries()].map(([name, on]): Storage => {
    const first = on[0]!;
    const shared =
      NETWORK_POOLS.has(first.type) ||
      (name === context.config.pool && context.config.sharedPool && on.length > 1);
    const contentKinds: StorageContentKind[] = FILE_POOLS.has(first.type)
      ? ['disk', 'iso', 'image']
      : ['disk', 'image'];
    const availability = on.map((p) => ({
      node: p.node,
      active: p.active,
      ...(p.active ? { capacityBytes: p.capacity, freeBytes: p.available } : {}),
    }));
    const measured = shared ? availability.find((a) => a.capacityBytes !== undefined) : undefined;
    return {
      id: name,
      type: first.type,
      contentKinds,
      shared,
      availability,
      ...(measured?.capacityBytes === undefined ? {} : { capacityBytes: measured.capacityBytes }),
      ...(measured?.freeBytes === undefined ? {} : { freeBytes: measured.freeBytes }),
      enabled: on.some((p) => p.active || p.autostart),
      raw: {
        name,
        type: first.type,
        ...(first.path === undefined ? {} : { path: first.path }),
        hosts: on.map((p) => p.node),
      },
    };
  });
}

function requireNode(context: LibvirtContext, node: string): void {
  if (context.target.hosts.some((h) => context.target.nodeName(h) === node)) return;
  throw new NotFoundError(`node '${node}' not found`, {
    details: { resource: 'node', id: node, field: 'node' },
  });
}

/** `listStorages`: the storage pools of every reachable host. */
export async function listLibvirtStorages(
  context: LibvirtContext,
  query: StorageQuery,
  signal?: AbortSignal,
): Promise<Page<Storage>> {
  if (query.node !== undefined) requireNode(context, query.node);
  const storages = storagesOf(context, await poolsOnHosts(context, signal)).filter(
    (s) =>
      (query.node === undefined || s.availability.some((a) => a.node === query.node)) &&
      (query.contentKinds ?? []).every((kind) => s.contentKinds.includes(kind)),
  );
  return pageOf('storages', storages, query, (s) => s.id);
}

/**
 * `listImages`: the volumes of active pools (`STORAGE_POOL_LIST_ALL_VOLUMES`, `STORAGE_VOL_GET_XML_DESC`) that are
 * ISOs or base disk images — no backing store (overlays are linked clones' disks) and no guest's disk — read once per
 * shared pool, and hvc's templates. Volume ids are `<pool>:<volume name>`. A volume removed while the list is read
 * is left out.
 */
export async function listLibvirtImages(
  context: LibvirtContext,
  query: ImageQuery,
  guests: GuestDisks,
  signal?: AbortSignal,
): Promise<Page<Image>> {
  if (query.node !== undefined) requireNode(context, query.node);
  const pools = await poolsOnHosts(context, signal);
  const storages = storagesOf(context, pools);
  if (query.storage !== undefined && !storages.some((s) => s.id === query.storage)) {
    throw new NotFoundError(`storage '${query.storage}' not found`, {
      details: { resource: 'storage', id: query.storage, field: 'storage' },
    });
  }
  const wanted = (kind: Image['kind']) => query.kinds === undefined || query.kinds.includes(kind);
  const reads = storages.flatMap((storage) => {
    if (query.storage !== undefined && storage.id !== query.storage) return [];
    if (!wanted('iso') && !wanted('disk-image')) return [];
    const active = pools.filter((p) => p.pool.name === storage.id && p.active);
    const on = storage.shared
      ? active.slice(0, 1)
      : active.filter((p) => query.node === undefined || p.node === query.node);
    return on.map((p) => ({ p, shared: storage.shared }));
  });
  const [volumes, { templates, diskPaths }] = await Promise.all([
    Promise.all(reads.map(({ p, shared }) => volumesOf(p, shared, signal))),
    reads.length > 0 || wanted('template')
      ? guests(signal)
      : Promise.resolve({ templates: [], diskPaths: new Set<string>() }),
  ]);
  const listedTemplates = wanted('template') && query.storage === undefined ? templates : [];
  const baseVolumes = volumes
    .flat()
    .flatMap(({ image, path }) => (path !== undefined && diskPaths.has(path) ? [] : [image]));
  const images = [...baseVolumes, ...listedTemplates].filter(
    (image) =>
      wanted(image.kind) &&
      (query.node === undefined || image.node === undefined || image.node === query.node) &&
      (query.namePrefix === undefined || image.name.startsWith(query.namePrefix)),
  );
  return pageOf('images', images, query, imagePageKey);
}

/** The guests' side of the image list: the templates, and the paths of every guest's disks. */
export type GuestDisks = (
  signal?: AbortSignal,
) => Promise<{ readonly templates: readonly Image[]; readonly diskPaths: ReadonlySet<string> }>;

async function volumesOf(
  p: PoolOnHost,
  shared: boolean,
  signal?: AbortSignal,
): Promise<{ image: Image; path: string | undefined }[]> {
  const { vols } = await p.host.call(
    P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES,
    { pool: p.pool, need_results: 1, flags: 0 },
    signal,
  );
  const images = await Promise.all(
    vols.map(async (vol): Promise<{ image: Image; path: string | undefined } | undefined> => {
      const xml = await p.host
        .call(P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, { vol, flags: 0 }, signal)
        .then(({ xml }) => xml, goneMeanwhile);
      if (xml === undefined) return undefined;
      const doc = child(parseXml(xml), 'volume');
      if (
        child(doc, 'backingStore') !== undefined &&
        textOf(child(doc, 'backingStore'), 'path') !== undefined
      ) {
        return undefined;
      }
      const format = attr(child(child(doc, 'target'), 'format'), 'type');
      const kind =
        format === 'iso'
          ? 'iso'
          : format === 'qcow2' || format === 'raw' || format === 'vmdk'
            ? 'disk-image'
            : undefined;
      if (kind === undefined) return undefined;
      const capacity = Number(textOf(doc, 'capacity'));
      const physical = Number(textOf(doc, 'physical') ?? textOf(doc, 'allocation'));
      const image: Image = {
        id: `${p.pool.name}:${vol.name}`,
        kind,
        name: vol.name,
        storage: p.pool.name,
        ...(shared ? {} : { node: p.node }),
        format: format!,
        ...(Number.isFinite(physical) ? { sizeBytes: physical } : {}),
        ...(kind === 'disk-image' && Number.isFinite(capacity) ? { virtualSizeBytes: capacity } : {}),
        raw: { pool: p.pool.name, name: vol.name, key: vol.key, format },
      };
      return { image, path: textOf(child(doc, 'target'), 'path') };
    }),
  );
  return images.filter((i) => i !== undefined);
}

/** The `catch` of a read of something another client may have removed since it was listed. */
function goneMeanwhile(error: unknown): undefined {
  if (isHypervisorError(error, 'NOT_FOUND')) return undefined;
  throw error;
}

/**
 * `listNetworks`: the libvirt networks of every reachable host (`CONNECT_LIST_ALL_NETWORKS`, `NETWORK_GET_XML_DESC`),
 * one network per name with the hosts it is on. Host bridges are not listed (libvirt's interface driver is not
 * relied on).
 */
export async function listLibvirtNetworks(
  context: LibvirtContext,
  query: NetworkQuery,
  signal?: AbortSignal,
): Promise<Page<Network>> {
  if (query.node !== undefined) requireNode(context, query.node);
  const hosts = await context.target.online(signal);
  const perHost = await Promise.all(
    hosts.map(async (host) => {
      const { nets } = await host.call(
        P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS,
        { need_results: 1, flags: 0 },
        signal,
      );
      return Promise.all(
        nets.map(async (net) => {
          const { xml } = await host.call(P.REMOTE_PROC_NETWORK_GET_XML_DESC, { net, flags: 0 }, signal);
          return {
            node: context.target.nodeName(host),
            name: net.name,
            doc: child(parseXml(xml), 'network'),
          };
        }),
      );
    }),
  );
  const byName = new Map<string, Network>();
  for (const { node, name, doc } of perHost.flat()) {
    const known = byName.get(name);
    if (known) {
      byName.set(name, { ...known, nodes: [...known.nodes, node] });
      continue;
    }
    const bridge = attr(child(doc, 'bridge'), 'name');
    const ip = child(doc, 'ip');
    const address = attr(ip, 'address');
    const prefix = attr(ip, 'prefix') ?? prefixOf(attr(ip, 'netmask'));
    const cidr =
      address !== undefined && prefix !== undefined ? ipv4Subnet(`${address}/${prefix}`) : undefined;
    const vlanTag = Number(attr(child(child(doc, 'vlan'), 'tag'), 'id'));
    byName.set(name, {
      id: name,
      kind: 'virtual-network',
      vlanAware: attr(child(doc, 'virtualport'), 'type') === 'openvswitch',
      ...(Number.isInteger(vlanTag) && vlanTag > 0 ? { vlanTag } : {}),
      nodes: [node],
      ...(bridge === undefined ? {} : { bridge }),
      ...(cidr === undefined ? {} : { cidr }),
      dhcp: child(ip, 'dhcp') !== undefined,
      raw: {
        name,
        forward: attr(child(doc, 'forward'), 'mode') ?? 'isolated',
        ...(bridge ? { bridge } : {}),
      },
    });
  }
  const networks = [...byName.values()].filter(
    (n) =>
      (query.node === undefined || n.nodes.includes(query.node)) &&
      (query.kinds === undefined || query.kinds.includes(n.kind)),
  );
  return pageOf('networks', networks, query, (n) => n.id);
}

function prefixOf(netmask: string | undefined): string | undefined {
  if (netmask === undefined) return undefined;
  const bits = netmask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? String(bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}
