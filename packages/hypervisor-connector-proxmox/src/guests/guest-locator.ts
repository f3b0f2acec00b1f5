import { isHypervisorError, NotFoundError } from '@hvc/hypervisor-connector';
import { SingleFlight } from '@hvc/hypervisor-connector-kit';
import { z } from 'zod';
import type { PveGuestRef } from '../mapping/guest-id.js';
import type { PveClusterResource } from '../schemas/cluster.js';
import { ClusterResourcesInPlaceSchema } from '../schemas/cluster-resources-reader.js';
import type { PveClient } from '../transport/pve-client.js';
import type { ListingShapes } from './listing-shapes.js';

/** The one key of the lookups' single flight. */
const LISTING = 'cluster/resources';

// The listing is parsed from the response just read, so its items are normalised in place: a fleet is held once.
const ResourcesSchema = ClusterResourcesInPlaceSchema;

/** `GET /pools?poolid=`: the pool with its members (guests as `/cluster/resources` entries, and storages). */
const PoolMembersSchema = z.array(
  z.looseObject({ poolid: z.string(), members: z.array(z.looseObject({ id: z.string() })).optional() }),
);

/** Where a guest lives. */
export interface GuestLocation {
  readonly node: string;
  readonly pool?: string | undefined;
}

/** One `/cluster/resources` read: the guests in scope, and the nodes that are not online. */
export interface GuestListing {
  readonly guests: PveClusterResource[];
  /** The nodes whose entry says they are not `online` (see {@link GuestLocator.listing}). */
  readonly offlineNodes: ReadonlySet<string>;
}

/** Where the guests of a listing are, one entry per guest in each array. */
interface ListedLocations {
  readonly ids: string[];
  readonly nodes: string[];
  readonly pools: (string | undefined)[];
}

/**
 * Finds the node of a guest from `/cluster/resources` (one call for the whole cluster) and caches it. A guest
 * outside the connector's scope (its pool, its guest types) is NOT_FOUND, as if it did not exist.
 */
export class GuestLocator {
  readonly #client: PveClient;
  readonly #pool: string | undefined;
  readonly #qemu: boolean;
  readonly #lxc: boolean;
  readonly #target: string | undefined;
  readonly #shapes: ListingShapes | undefined;
  readonly #known = new Map<string, GuestLocation>();
  /** The last listing's guests (ids, nodes, pools side by side), indexed into `#known` when a lookup needs it. */
  #listed: ListedLocations | undefined;
  /** The listing in flight for `locate`, shared by every lookup that misses the cache meanwhile. */
  readonly #listing = new SingleFlight<typeof LISTING, PveClusterResource[]>();

  /**
   * `types` are the PVE guest types in scope (`qemu`, `lxc`); `shapes` keeps a sample of each listing's entries
   * (see {@link ListingShapes}).
   */
  constructor(
    client: PveClient,
    scope: { pool?: string; types: readonly string[] },
    target: string | undefined,
    shapes?: ListingShapes,
  ) {
    this.#client = client;
    this.#shapes = shapes;
    this.#pool = scope.pool;
    this.#qemu = scope.types.includes('qemu');
    this.#lxc = scope.types.includes('lxc');
    this.#target = target;
  }

  /** Every guest of the cluster in scope, refreshing the cache (see {@link GuestLocator.listing}). */
  async guests(signal?: AbortSignal): Promise<PveClusterResource[]> {
    return (await this.listing(signal)).guests;
  }

  /**
   * Every guest of the cluster in scope and the nodes that are down, from one `/cluster/resources` read without a
   * `type`, refreshing the cache. That read lists the guests (`type=vm`'s entries, under the same `VM.Audit` check)
   * and every node (`type=node`'s entries, which need no privilege), beside storages, SDN zones and pools (pve-manager
   * `PVE/API2/Cluster.pm` `resources`), which are skipped: one request and one parse instead of two answers awaited.
   * A node that died is `offline` there as soon as corosync says so (`PVE/API2Tools.pm` `extract_node_stats`), while
   * its guests' entries keep pvestatd's last RRD row — and its `status: running` — for up to 5 minutes (pve-cluster
   * `src/pmxcfs/status.c` `rrd_entry_is_old`).
   *
   * With a pool, membership comes from the pool itself (`GET /pools?poolid=`), read beside the listing:
   * `/cluster/resources` drops an entry's `pool` unless the credential has `Pool.Audit` on it, which the VM roles
   * lack, while the pool's member list needs no privilege (`PVE/API2/Pool.pm` `index`, PVE 8.1 and later).
   */
  async listing(signal?: AbortSignal): Promise<GuestListing> {
    const options = signal ? { signal } : {};
    const [items, members] = await Promise.all([
      this.#client.get('/cluster/resources', undefined, ResourcesSchema, options),
      this.#pool === undefined ? undefined : this.#poolMembers(this.#pool, options),
    ]);
    // One pass over the items: node states, scope and pool. The locations are kept as three arrays of the strings
    // already parsed and indexed only when a lookup asks: a listing does not hash 10,000 ids it may never look up.
    const pool = this.#pool;
    const qemu = this.#qemu;
    const lxc = this.#lxc;
    // Arrays sized for every item and cut to length after: growing them by `push` reallocated each a dozen times.
    const guests = new Array<PveClusterResource>(items.length);
    const listed: ListedLocations = {
      ids: new Array<string>(items.length),
      nodes: new Array<string>(items.length),
      pools: new Array<string | undefined>(items.length),
    };
    const offlineNodes = new Set<string>();
    let kept = 0;
    let located = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as PveClusterResource;
      const type = item.type;
      if (type === 'qemu' ? !qemu : type !== 'lxc' || !lxc) {
        if (type === 'node' && item.node && item.status !== 'online') offlineNodes.add(item.node);
        continue;
      }
      if (pool !== undefined) {
        if (members ? !members.has(item.id) : item.pool !== pool) continue;
        item.pool = pool;
      }
      guests[kept++] = item;
      if (item.node) {
        listed.ids[located] = item.id;
        listed.nodes[located] = item.node;
        listed.pools[located++] = item.pool;
      }
    }
    guests.length = kept;
    listed.ids.length = located;
    listed.nodes.length = located;
    listed.pools.length = located;
    this.#known.clear();
    this.#listed = listed;
    this.#shapes?.keepEntries(items);
    return { guests, offlineNodes };
  }

  /**
   * The guest's location, from the cache unless `fresh`. NOT_FOUND when it is not (visible) in the cluster. Lookups
   * that miss the cache while a listing is in flight wait for that one (single flight): its failure reaches all of
   * them, and the next lookup lists again. A caller's signal abandons its own wait; the listing stops only when
   * every caller has given up.
   */
  async locate(ref: PveGuestRef, signal?: AbortSignal, fresh = false): Promise<GuestLocation> {
    const cached = this.#cache().get(ref.id);
    if (cached && !fresh) return cached;
    await this.#listing.run(LISTING, (listingSignal) => this.guests(listingSignal), signal);
    const found = this.#cache().get(ref.id);
    if (!found) throw this.notFound(ref);
    return found;
  }

  /**
   * The ids (`qemu/100`) of the pool's direct members; undefined on a PVE before 8.1, whose `GET /pools` takes no
   * `poolid` (then only the entries' own `pool` can tell).
   */
  async #poolMembers(
    pool: string,
    options: { signal?: AbortSignal },
  ): Promise<ReadonlySet<string> | undefined> {
    try {
      const [entry] = await this.#client.get('/pools', { poolid: pool }, PoolMembersSchema, options);
      return new Set((entry?.members ?? []).map((member) => member.id));
    } catch (error) {
      if (isHypervisorError(error, 'INVALID_ARGUMENT')) return undefined;
      throw error;
    }
  }

  /** Remembers where a guest is (after a create, clone or migration). */
  remember(guestId: string, location: GuestLocation): void {
    this.#cache().set(guestId, location);
  }

  /** Forgets a guest's location. */
  forget(guestId: string): void {
    this.#cache().delete(guestId);
  }

  /** Whether the cache holds the guest. */
  isCached(guestId: string): boolean {
    return this.#cache().has(guestId);
  }

  /** The known locations, with the last listing's indexed first. */
  #cache(): Map<string, GuestLocation> {
    const listed = this.#listed;
    if (listed !== undefined) {
      this.#listed = undefined;
      const { ids, nodes, pools } = listed;
      for (let i = 0; i < ids.length; i++) {
        this.#known.set(ids[i] as string, { node: nodes[i] as string, pool: pools[i] });
      }
    }
    return this.#known;
  }

  /** The NOT_FOUND error of a guest. */
  notFound(ref: PveGuestRef): NotFoundError {
    return new NotFoundError(`guest ${ref.id} does not exist`, {
      ...(this.#target === undefined ? {} : { target: this.#target }),
      details: { guestId: ref.id },
    });
  }
}
