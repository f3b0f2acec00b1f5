import type { ImageKind, StorageContentKind } from '@hvc/hypervisor-connector';
import type { GuestRecord } from './guest-record.js';
import {
  imageNode,
  type MemoryImageSeed,
  type MemoryNetworkSeed,
  type MemoryStorageSeed,
} from './inventory-seeds.js';
import type { MemoryContext } from './memory-context.js';
import { lockedConflict } from './memory-errors.js';
import { provisioningConflict, resourceNotFound } from './provisioning-errors.js';

/**
 * Finds what specs and device changes name in the connector's seeded inventory, checking each on the node the
 * guest is on: NOT_FOUND naming the input field when it is not there, CONFLICT (not retryable, with a `reason`)
 * when it is there but cannot be used that way. Nothing is changed.
 */
export class InventoryLookup {
  readonly #context: MemoryContext;
  readonly #node: string;

  constructor(context: MemoryContext, node: string) {
    this.#context = context;
    this.#node = node;
  }

  /** A storage on the node that can hold `content`. */
  storage(id: string, field: string, content: StorageContentKind): MemoryStorageSeed {
    const { inventory, state, origin } = this.#context;
    const storage = inventory.storages.find((s) => s.id === id);
    if (storage === undefined || !(storage.nodes ?? state.nodes).includes(this.#node)) {
      throw resourceNotFound('storage', id, field, origin, this.#node);
    }
    if (!storage.contentKinds.includes(content)) {
      throw provisioningConflict(
        'STORAGE_CONTENT',
        `storage '${id}' (${field}) cannot hold ${content} content`,
        { storage: id, needs: content, field },
        origin,
      );
    }
    return storage;
  }

  /** The first storage on the node that can hold `content`, for disks that name none. */
  defaultStorage(content: StorageContentKind): MemoryStorageSeed | undefined {
    const { inventory, state } = this.#context;
    return inventory.storages.find(
      (s) => s.contentKinds.includes(content) && (s.nodes ?? state.nodes).includes(this.#node),
    );
  }

  /** A network on the node; with a VLAN tag, one that can carry it. */
  network(id: string, field: string, vlan: number | undefined): MemoryNetworkSeed {
    const { inventory, state, origin } = this.#context;
    const network = inventory.networks.find((n) => n.id === id);
    if (network === undefined || !(network.nodes ?? state.nodes).includes(this.#node)) {
      throw resourceNotFound('network', id, field, origin, this.#node);
    }
    if (vlan !== undefined && !(network.vlanAware ?? false)) {
      throw provisioningConflict(
        'NETWORK_NO_VLAN',
        `network '${id}' cannot carry a VLAN tag`,
        { network: id, field },
        origin,
      );
    }
    return network;
  }

  /**
   * A volume of `kind` (an ISO, a disk image) on the node: its storage must exist there and hold that content,
   * the volume must be on it, and be of that kind.
   */
  volume(volumeId: string, field: string, kind: Exclude<ImageKind, 'template'>): MemoryImageSeed {
    const { inventory, state, origin } = this.#context;
    const storageId = volumeId.slice(0, volumeId.indexOf(':'));
    const storage = this.storage(storageId, field, kind === 'iso' ? 'iso' : 'image');
    const image = inventory.images.find(
      (i) =>
        `${i.storage}:${i.path}` === volumeId &&
        (imageNode(i, storage, state.nodes) ?? this.#node) === this.#node,
    );
    if (image === undefined) throw resourceNotFound('image', volumeId, field, origin, this.#node);
    if (image.kind !== kind) {
      throw provisioningConflict(
        'IMAGE_KIND',
        `image '${volumeId}' (${field}) is ${article(image.kind)}, not ${article(kind)}`,
        { image: volumeId, kind: image.kind, needs: kind, field },
        origin,
      );
    }
    return image;
  }

  /** A VM template that is not locked. */
  template(guestId: string, field: string): GuestRecord {
    const { state, origin } = this.#context;
    const guest = state.find(guestId);
    if (guest === undefined) throw resourceNotFound('template', guestId, field, origin);
    if (!guest.template || guest.type !== 'vm') {
      throw provisioningConflict(
        guest.template ? 'IMAGE_KIND' : 'NOT_A_TEMPLATE',
        guest.template
          ? `guest ${guestId} (${field}) is a container template, not a VM template`
          : `guest ${guestId} (${field}) is not a template`,
        { guestId, field },
        origin,
      );
    }
    if (guest.lock !== undefined) throw lockedConflict(guest, origin);
    return guest;
  }
}

function article(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}
