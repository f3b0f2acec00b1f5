import { NotFoundError } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { type PveClusterResource, PveClusterResourceSchema } from '../schemas/cluster.js';
import type { PveClient } from '../transport/pve-client.js';

const ResourcesSchema = z.array(PveClusterResourceSchema);

/** Where a guest lives. */
export interface GuestLocation {
  readonly node: string;
  readonly pool?: string;
}

/**
 * Finds the node of a guest from `/cluster/resources` (one call for the whole cluster) and caches it. A guest
 * outside the connector's scope (its pool, its guest types) is NOT_FOUND, as if it did not exist.
 */
export class GuestLocator {
  readonly #client: PveClient;
  readonly #pool: string | undefined;
  readonly #types: ReadonlySet<string>;
  readonly #target: string | undefined;
  readonly #cache = new Map<string, GuestLocation>();

  /** `types` are the PVE guest types in scope (`qemu`, `lxc`). */
  constructor(
    client: PveClient,
    scope: { pool?: string; types: readonly string[] },
    target: string | undefined,
  ) {
    this.#client = client;
    this.#pool = scope.pool;
    this.#types = new Set(scope.types);
    this.#target = target;
  }

  /** Every guest of the cluster in scope, refreshing the cache. */
  async guests(signal?: AbortSignal): Promise<PveClusterResource[]> {
    const items = await this.#client.get(
      '/cluster/resources',
      { type: 'vm' },
      ResourcesSchema,
      signal ? { signal } : {},
    );
    const guests = items.filter(
      (item) =>
        (item.type === 'qemu' || item.type === 'lxc') &&
        (this.#pool === undefined || item.pool === this.#pool),
    );
    this.#cache.clear();
    for (const item of guests) {
      if (item.node) this.#cache.set(item.id, { node: item.node, ...(item.pool ? { pool: item.pool } : {}) });
    }
    return guests;
  }

  /** The guest's location, from the cache unless `fresh`. NOT_FOUND when it is not (visible) in the cluster. */
  async locate(ref: PveGuestRef, signal?: AbortSignal, fresh = false): Promise<GuestLocation> {
    const cached = this.#cache.get(ref.id);
    if (cached && !fresh) return cached;
    await this.guests(signal);
    const found = this.#cache.get(ref.id);
    if (!found) throw this.notFound(ref);
    return found;
  }

  /** Remembers where a guest is (after a create, clone or migration). */
  remember(guestId: string, location: GuestLocation): void {
    this.#cache.set(guestId, location);
  }

  /** Forgets a guest's location. */
  forget(guestId: string): void {
    this.#cache.delete(guestId);
  }

  /** Whether the cache holds the guest. */
  isCached(guestId: string): boolean {
    return this.#cache.has(guestId);
  }

  /** The NOT_FOUND error of a guest. */
  notFound(ref: PveGuestRef): NotFoundError {
    return new NotFoundError(`guest ${ref.id} does not exist`, {
      ...(this.#target === undefined ? {} : { target: this.#target }),
      details: { guestId: ref.id },
    });
  }
}
