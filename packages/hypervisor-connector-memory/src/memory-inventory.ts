import type {
  Image,
  ImageQuery,
  Network,
  NetworkQuery,
  Page,
  Storage,
  StorageQuery,
} from '@hvc/hypervisor-connector';
import { imagePageKey, pageOf } from '@hvc/hypervisor-connector-kit';
import { imageNode, type MemoryImageSeed, type MemoryStorageSeed } from './inventory-seeds.js';
import type { ResolvedMemoryConfig } from './memory-config.js';
import type { MemoryContext } from './memory-context.js';
import { storageNotFound } from './memory-errors.js';

const GIB = 1024 ** 3;

/** The memory connector's storages, networks and images, listed page by page from its configured inventory. */
export class MemoryInventory {
  readonly #config: ResolvedMemoryConfig;
  readonly #context: MemoryContext;

  constructor(config: ResolvedMemoryConfig, context: MemoryContext) {
    this.#config = config;
    this.#context = context;
  }

  listStorages(query: StorageQuery): Page<Storage> {
    if (query.node !== undefined) this.#context.state.requireNode(query.node, this.#context.origin);
    const storages = this.#config.inventory.storages
      .map((seed) => this.#storage(seed))
      .filter(
        (s) =>
          (query.node === undefined || s.availability.some((a) => a.node === query.node)) &&
          (query.contentKinds ?? []).every((kind) => s.contentKinds.includes(kind)),
      );
    return pageOf('storages', storages, query, (s) => s.id);
  }

  listNetworks(query: NetworkQuery): Page<Network> {
    if (query.node !== undefined) this.#context.state.requireNode(query.node, this.#context.origin);
    const networks = this.#config.inventory.networks
      .map(
        (seed): Network => ({
          id: seed.id,
          kind: seed.kind,
          vlanAware: seed.vlanAware ?? false,
          ...(seed.vlanTag === undefined ? {} : { vlanTag: seed.vlanTag }),
          ...(seed.zone === undefined ? {} : { zone: seed.zone }),
          nodes: [...(seed.nodes ?? this.#config.nodes)],
          ...(seed.bridge === undefined ? {} : { bridge: seed.bridge }),
          ...(seed.cidr === undefined ? {} : { cidr: seed.cidr }),
          ...(seed.dhcp === undefined ? {} : { dhcp: seed.dhcp }),
          ...(seed.description === undefined ? {} : { description: seed.description }),
          raw: structuredClone({ ...seed }) as Record<string, unknown>,
        }),
      )
      .filter(
        (n) =>
          (query.node === undefined || n.nodes.includes(query.node)) &&
          (query.kinds === undefined || query.kinds.includes(n.kind)),
      );
    return pageOf('networks', networks, query, (n) => n.id);
  }

  listImages(query: ImageQuery): Page<Image> {
    const { origin, state } = this.#context;
    if (query.node !== undefined) state.requireNode(query.node, origin);
    if (query.storage !== undefined && !this.#config.inventory.storages.some((s) => s.id === query.storage)) {
      throw storageNotFound(query.storage, origin);
    }
    const volumes = this.#config.inventory.images.map((seed) => this.#volume(seed));
    const templates = state
      .list()
      .filter((guest) => guest.template)
      .map(
        (guest): Image => ({
          id: guest.id,
          kind: 'template',
          name: guest.config.name,
          node: guest.node,
          guestType: guest.type,
          raw: { id: guest.id, vmid: guest.vmid, name: guest.config.name, node: guest.node, template: 1 },
        }),
      );
    const images = [...volumes, ...templates].filter(
      (image) =>
        (query.kinds === undefined || query.kinds.includes(image.kind)) &&
        (query.storage === undefined || image.storage === query.storage) &&
        (query.node === undefined || image.node === undefined || image.node === query.node) &&
        (query.namePrefix === undefined || image.name.startsWith(query.namePrefix)),
    );
    return pageOf('images', images, query, imagePageKey);
  }

  #storage(seed: MemoryStorageSeed): Storage {
    const capacityBytes = (seed.capacityGiB ?? 100) * GIB;
    const freeBytes = Math.max(0, capacityBytes - (seed.usedGiB ?? 10) * GIB);
    const shared = seed.shared ?? false;
    return {
      id: seed.id,
      type: seed.type ?? 'dir',
      contentKinds: [...seed.contentKinds],
      shared,
      availability: (seed.nodes ?? this.#config.nodes).map((node) => ({
        node,
        active: true,
        capacityBytes,
        freeBytes,
      })),
      ...(shared ? { capacityBytes, freeBytes } : {}),
      enabled: seed.enabled ?? true,
      raw: structuredClone({ ...seed }) as Record<string, unknown>,
    };
  }

  #volume(seed: MemoryImageSeed): Image {
    const storage = this.#config.inventory.storages.find((s) => s.id === seed.storage)!;
    const node = imageNode(seed, storage, this.#config.nodes);
    const name = seed.path.slice(seed.path.lastIndexOf('/') + 1);
    const format = seed.format ?? formatOf(name);
    return {
      id: `${seed.storage}:${seed.path}`,
      kind: seed.kind,
      name,
      storage: seed.storage,
      ...(node === undefined ? {} : { node }),
      ...(format === undefined ? {} : { format }),
      sizeBytes: seed.sizeBytes ?? 512 * 1024 * 1024,
      ...(seed.virtualSizeBytes === undefined ? {} : { virtualSizeBytes: seed.virtualSizeBytes }),
      raw: structuredClone({ ...seed }) as Record<string, unknown>,
    };
  }
}

function formatOf(name: string): string | undefined {
  const match = /\.(iso|qcow2|raw|img|vmdk|tar\.(?:zst|gz|xz))$/.exec(name);
  return match?.[1];
}
