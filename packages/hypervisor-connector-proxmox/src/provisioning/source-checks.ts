import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  type Storage,
  type StorageContentKind,
} from '@hvc/hypervisor-connector';
import { z } from 'zod';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { PveNetworksSchema } from '../inventory/inventory-schemas.js';
import { pveStorages } from '../inventory/storage-inventory.js';
import { pvePath } from '../transport/form-encoding.js';

/** `GET .../storage/{storage}/content/{volume}`: `size` is a disk image's virtual size (`volume_size_info`). */
const VolumeInfoSchema = z.looseObject({ size: z.coerce.number().optional() });
const ContentListSchema = z.array(z.looseObject({ volid: z.string() }));

const origin = (pve: ProxmoxContext) => pve.origin;

/** What the checks of one create read once: the target's storages. */
export class SourceChecks {
  readonly #pve: ProxmoxContext;
  readonly #node: string;
  readonly #signal: AbortSignal | undefined;
  #storages: Promise<Storage[]> | undefined;
  #networks: Promise<ReadonlySet<string>> | undefined;

  constructor(pve: ProxmoxContext, node: string, signal: AbortSignal | undefined) {
    this.#pve = pve;
    this.#node = node;
    this.#signal = signal;
  }

  /**
   * The storage named by `field`: NOT_FOUND when the target has none by that name on this node, CONFLICT
   * (`STORAGE_CONTENT`, not retryable) when it cannot hold `needs`.
   */
  async storage(id: string, field: string, needs: readonly StorageContentKind[]): Promise<Storage> {
    this.#storages ??= pveStorages(this.#pve, this.#signal);
    const storage = (await this.#storages).find(
      (s) =>
        s.id === id &&
        (s.shared || s.availability.length === 0 || s.availability.some((a) => a.node === this.#node)),
    );
    if (storage === undefined) {
      throw new NotFoundError(`storage '${id}' not found on node '${this.#node}'`, {
        ...origin(this.#pve),
        details: { resource: 'storage', id, field, node: this.#node },
      });
    }
    if (!needs.some((kind) => storage.contentKinds.includes(kind))) {
      throw new ConflictError(`storage '${id}' cannot hold ${needs.join(' or ')} content`, {
        ...origin(this.#pve),
        retryable: false,
        details: { reason: 'STORAGE_CONTENT', storage: id, needs: needs[0], field },
      });
    }
    return storage;
  }

  /**
   * NOT_FOUND naming `field` unless the node has a bridge or SDN VNet of that name the credential may use
   * (`GET /nodes/{node}/network?type=any_bridge`, which merges the VNets and drops those without `SDN.Use`).
   */
  async network(name: string, field: string): Promise<void> {
    this.#networks ??= this.#pve.client
      .get(pvePath('nodes', this.#node, 'network'), { type: 'any_bridge' }, PveNetworksSchema, {
        node: this.#node,
        ...(this.#signal === undefined ? {} : { signal: this.#signal }),
      })
      .then((items) => new Set(items.map((item) => item.iface)));
    if (!(await this.#networks).has(name)) {
      throw new NotFoundError(`network '${name}' not found on node '${this.#node}'`, {
        ...origin(this.#pve),
        details: { resource: 'network', id: name, field, node: this.#node },
      });
    }
  }

  /**
   * The volume named by `field` (`local:import/noble.qcow2`), on a storage that holds `needs`: NOT_FOUND naming the
   * field when the storage does not list it. With `sized`, its virtual size in bytes.
   */
  async volume(
    volumeId: string,
    field: string,
    resource: 'image' | 'iso',
    needs: readonly StorageContentKind[],
    sized: boolean,
  ): Promise<number | undefined> {
    const storageId = volumeId.slice(0, volumeId.indexOf(':'));
    try {
      await this.storage(storageId, field, needs);
    } catch (error) {
      if (error instanceof NotFoundError) throw this.#noVolume(volumeId, field, resource);
      throw error;
    }
    const path = pvePath('nodes', this.#node, 'storage', storageId, 'content');
    const options = { node: this.#node, ...(this.#signal === undefined ? {} : { signal: this.#signal }) };
    const listed = await this.#pve.client.get(path, undefined, ContentListSchema, options);
    if (!listed.some((volume) => volume.volid === volumeId)) throw this.#noVolume(volumeId, field, resource);
    if (!sized) return undefined;
    const info = await this.#pve.client.get(
      `${path}/${encodeURIComponent(volumeId)}`,
      undefined,
      VolumeInfoSchema,
      options,
    );
    return info.size;
  }

  #noVolume(volumeId: string, field: string, resource: 'image' | 'iso'): NotFoundError {
    return new NotFoundError(
      `${resource === 'iso' ? 'ISO' : 'image'} '${volumeId}' not found on node '${this.#node}'`,
      {
        ...origin(this.#pve),
        details: { resource, id: volumeId, field, node: this.#node },
      },
    );
  }
}

/** INVALID_ARGUMENT `bootDisk.sizeGiB` for a boot disk smaller than what it is made from. */
export function checkBootDiskSize(sizeGiB: number | undefined, sourceBytes: number | undefined): void {
  if (sizeGiB === undefined || sourceBytes === undefined) return;
  if (sizeGiB * 1024 ** 3 < sourceBytes) {
    const has = `${Number((sourceBytes / 1024 ** 3).toFixed(3))} GiB`;
    throw new InvalidArgumentError(`disks only grow: the source disk has ${has}`, {
      violations: [{ field: 'bootDisk.sizeGiB', message: `disks only grow; the source disk has ${has}` }],
    });
  }
}
