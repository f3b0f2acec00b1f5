import {
  IMAGE_KINDS,
  type ImageKind,
  NETWORK_KINDS,
  type NetworkKind,
  NodeNameSchema,
  ResourceNameSchema,
  STORAGE_CONTENT_KINDS,
  type StorageContentKind,
} from '@hvc/hypervisor-connector';
import { z } from 'zod';

/** A storage the memory connector has. */
export interface MemoryStorageSeed {
  readonly id: string;
  /** The storage type reported; default `dir`. */
  readonly type?: string;
  readonly contentKinds: readonly StorageContentKind[];
  /** One storage seen by every node in `nodes` (default false: a local storage on each). */
  readonly shared?: boolean;
  /** The nodes it exists on; default every node. */
  readonly nodes?: readonly string[];
  /** Capacity in GiB (on each node when local); default 100. */
  readonly capacityGiB?: number;
  /** Space in use in GiB (on each node when local); default 10. */
  readonly usedGiB?: number;
  /** Default true. */
  readonly enabled?: boolean;
}

/** A network the memory connector has. */
export interface MemoryNetworkSeed {
  readonly id: string;
  readonly kind: NetworkKind;
  /** Default false. */
  readonly vlanAware?: boolean;
  readonly vlanTag?: number;
  readonly zone?: string;
  /** The nodes it exists on; default every node. */
  readonly nodes?: readonly string[];
  readonly bridge?: string;
  readonly cidr?: string;
  readonly dhcp?: boolean;
  readonly description?: string;
}

/** A volume the memory connector lists as an image (templates are the guests seeded with `template: true`). */
export interface MemoryImageSeed {
  /** The storage holding it. */
  readonly storage: string;
  /** Its path in the storage, e.g. `iso/debian-12.iso`; the image id is `<storage>:<path>`. */
  readonly path: string;
  readonly kind: Exclude<ImageKind, 'template'>;
  /** For a local storage, the node it is on: default the storage's first node. Not allowed on a shared storage. */
  readonly node?: string;
  /** Default from the path's extension. */
  readonly format?: string;
  /** File size in bytes; default 512 MiB. */
  readonly sizeBytes?: number;
  readonly virtualSizeBytes?: number;
}

/** The storages, networks and images a memory connector lists. Each list replaces the default one. */
export interface MemoryInventorySeed {
  readonly storages?: readonly MemoryStorageSeed[];
  readonly networks?: readonly MemoryNetworkSeed[];
  readonly images?: readonly MemoryImageSeed[];
}

/** The inventory with every list filled in. */
export interface ResolvedMemoryInventory {
  readonly storages: readonly MemoryStorageSeed[];
  readonly networks: readonly MemoryNetworkSeed[];
  readonly images: readonly MemoryImageSeed[];
}

/** The content kind a storage needs to hold an image of each kind. */
export const IMAGE_CONTENT_KIND: Readonly<Record<Exclude<ImageKind, 'template'>, StorageContentKind>> = {
  iso: 'iso',
  'disk-image': 'image',
  'container-template': 'container-template',
};

/** What a memory connector lists when its config names no inventory: a PVE-like cluster's storages and networks. */
export const DEFAULT_MEMORY_INVENTORY: ResolvedMemoryInventory = {
  storages: [
    { id: 'local', type: 'dir', contentKinds: ['iso', 'container-template', 'image', 'snippet', 'backup'] },
    { id: 'local-lvm', type: 'lvmthin', contentKinds: ['disk', 'container-rootfs'], capacityGiB: 400 },
    {
      id: 'shared-nfs',
      type: 'nfs',
      contentKinds: ['disk', 'container-rootfs', 'iso', 'image', 'container-template'],
      shared: true,
      capacityGiB: 2048,
      usedGiB: 512,
    },
  ],
  networks: [
    { id: 'vmbr0', kind: 'bridge', vlanAware: true, cidr: '192.168.0.0/24', description: 'uplink' },
    { id: 'vmbr1', kind: 'bridge', cidr: '10.10.0.0/24' },
    { id: 'vnet100', kind: 'vnet', zone: 'zone1', vlanTag: 100 },
  ],
  images: [
    { storage: 'local', path: 'iso/debian-12.7.0-amd64-netinst.iso', kind: 'iso', sizeBytes: 661_651_456 },
    { storage: 'shared-nfs', path: 'iso/ubuntu-24.04.1-live-server-amd64.iso', kind: 'iso' },
    {
      storage: 'shared-nfs',
      path: 'import/noble-server-cloudimg-amd64.qcow2',
      kind: 'disk-image',
      sizeBytes: 597_000_192,
      virtualSizeBytes: 3_758_096_384,
    },
    {
      storage: 'shared-nfs',
      path: 'vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      kind: 'container-template',
      sizeBytes: 126_000_000,
    },
  ],
};

const NodesSchema = z.array(NodeNameSchema).min(1).max(64);

const StorageSeedSchema = z.strictObject({
  id: ResourceNameSchema,
  type: z.string().min(1).max(32).optional(),
  contentKinds: z.array(z.enum(STORAGE_CONTENT_KINDS)).max(STORAGE_CONTENT_KINDS.length),
  shared: z.boolean().optional(),
  nodes: NodesSchema.optional(),
  capacityGiB: z
    .number()
    .positive()
    .max(1024 * 1024)
    .optional(),
  usedGiB: z
    .number()
    .min(0)
    .max(1024 * 1024)
    .optional(),
  enabled: z.boolean().optional(),
});

const NetworkSeedSchema = z.strictObject({
  id: ResourceNameSchema,
  kind: z.enum(NETWORK_KINDS),
  vlanAware: z.boolean().optional(),
  vlanTag: z.number().int().min(1).max(4094).optional(),
  zone: ResourceNameSchema.optional(),
  nodes: NodesSchema.optional(),
  bridge: ResourceNameSchema.optional(),
  cidr: z.string().max(64).optional(),
  dhcp: z.boolean().optional(),
  description: z.string().max(8192).optional(),
});

const ImageSeedSchema = z.strictObject({
  storage: ResourceNameSchema,
  path: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9._/+-]+$/, 'not a volume path')
    .refine((p) => !p.split('/').includes('..'), 'a volume path has no ".." segment'),
  kind: z.enum(IMAGE_KINDS.filter((k) => k !== 'template') as ['iso', 'disk-image', 'container-template']),
  node: NodeNameSchema.optional(),
  format: z.string().min(1).max(32).optional(),
  sizeBytes: z.number().int().min(0).optional(),
  virtualSizeBytes: z.number().int().min(0).optional(),
});

/** Validates an inventory seed; {@link checkInventorySeed} checks it against the nodes. */
export const InventorySeedSchema = z.strictObject({
  storages: z.array(StorageSeedSchema).max(1000).optional(),
  networks: z.array(NetworkSeedSchema).max(1000).optional(),
  images: z.array(ImageSeedSchema).max(10_000).optional(),
});

/** One problem of an inventory seed, with the path of the field under `inventory`. */
export interface InventorySeedIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * What is wrong with `inventory` on a target of `nodes`: duplicate ids, unknown nodes, an image on an unknown storage,
 * on a storage that cannot hold its kind, or on a node its storage is not on.
 */
export function checkInventorySeed(
  inventory: ResolvedMemoryInventory,
  nodes: readonly string[],
): InventorySeedIssue[] {
  const issues: InventorySeedIssue[] = [];
  const unique = (list: 'storages' | 'networks', ids: readonly string[]) => {
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index)
        issues.push({ path: [list, index, 'id'], message: 'ids must be unique' });
    });
  };
  const knownNodes = (list: 'storages' | 'networks', seeds: readonly { nodes?: readonly string[] }[]) => {
    seeds.forEach((seed, i) => {
      seed.nodes?.forEach((node, index) => {
        if (!nodes.includes(node))
          issues.push({ path: [list, i, 'nodes', index], message: 'not one of the nodes' });
      });
    });
  };
  unique(
    'storages',
    inventory.storages.map((s) => s.id),
  );
  unique(
    'networks',
    inventory.networks.map((n) => n.id),
  );
  knownNodes('storages', inventory.storages);
  knownNodes('networks', inventory.networks);
  const seen = new Set<string>();
  inventory.images.forEach((image, index) => {
    const storage = inventory.storages.find((s) => s.id === image.storage);
    if (storage === undefined) {
      issues.push({ path: ['images', index, 'storage'], message: 'not one of the storages' });
      return;
    }
    if (!storage.contentKinds.includes(IMAGE_CONTENT_KIND[image.kind])) {
      issues.push({
        path: ['images', index, 'kind'],
        message: `storage ${storage.id} cannot hold ${IMAGE_CONTENT_KIND[image.kind]} content`,
      });
    }
    if (image.node !== undefined) {
      if (storage.shared) {
        issues.push({ path: ['images', index, 'node'], message: 'an image on shared storage has no node' });
      } else if (!(storage.nodes ?? nodes).includes(image.node)) {
        issues.push({
          path: ['images', index, 'node'],
          message: `storage ${storage.id} is not on that node`,
        });
      }
    }
    const key = `${image.storage}:${image.path}@${imageNode(image, storage, nodes) ?? ''}`;
    if (seen.has(key)) issues.push({ path: ['images', index, 'path'], message: 'the image is listed twice' });
    seen.add(key);
  });
  return issues;
}

/** The node an image seed is on: none on shared storage, else its own or its storage's first. */
export function imageNode(
  image: MemoryImageSeed,
  storage: MemoryStorageSeed,
  nodes: readonly string[],
): string | undefined {
  if (storage.shared) return undefined;
  return image.node ?? (storage.nodes ?? nodes)[0];
}
