import { isHypervisorError, NotFoundError, UnavailableError } from '@hvc/hypervisor-connector';
import type { DomainEventHub } from '../hosts/domain-event-hub.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import type { LibvirtTarget } from '../hosts/libvirt-target.js';
import type { RemoteNonnullDomain } from '../protocol/generated/remote-protocol.gen.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { DomainLifecycleEvent } from '../rpc/domain-events.js';
import { LibvirtErrorCode } from '../rpc/libvirt-error-codes.js';
import { RecentMap } from '../util/recent-map.js';
import { uuidBytes } from './guest-id.js';

/** A domain and the host it is defined on. */
export interface LocatedDomain {
  readonly host: LibvirtHost;
  /** The domain as the protocol names it (the daemon looks it up by UUID). */
  readonly dom: RemoteNonnullDomain;
}

/** How many guests' hosts are remembered; the oldest are forgotten first. */
const LOCATIONS_KEPT = 100_000;

/** Whether `error` says the domain is not (or no longer) on the host asked. */
export function isNoDomain(error: unknown): boolean {
  return isHypervisorError(error, 'NOT_FOUND') && error.details?.libvirtCode === LibvirtErrorCode.NO_DOMAIN;
}

/**
 * Finds the host a guest (domain UUID) is defined on. The answer is cached and kept current by the hosts' lifecycle
 * events (a domain undefined on its host is forgotten, one defined or started elsewhere moves there); a call that
 * finds the domain gone from the cached host looks it up again on every host and is retried once
 * ({@link withDomain}). Where several hosts define the UUID (a migration half-way), the one running it wins.
 */
export class GuestLocator {
  readonly #target: LibvirtTarget;
  readonly #cache = new RecentMap<string, { host: LibvirtHost; name: string }>(LOCATIONS_KEPT);

  constructor(target: LibvirtTarget, events: DomainEventHub) {
    this.#target = target;
    events.onEvent((notice) => {
      if (notice.kind !== 'lifecycle') return;
      const host = target.hosts[notice.hostIndex];
      if (host === undefined) return;
      if (notice.event === DomainLifecycleEvent.UNDEFINED) {
        if (this.#cache.get(notice.uuid)?.host === host) this.#cache.delete(notice.uuid);
      } else if (
        notice.event === DomainLifecycleEvent.STARTED ||
        notice.event === DomainLifecycleEvent.DEFINED
      ) {
        this.remember(notice.uuid, host, notice.name);
      }
    });
  }

  /** Records that guest `uuid` is `name` on `host`. */
  remember(uuid: string, host: LibvirtHost, name: string): void {
    this.#cache.set(uuid, { host, name });
  }

  /** Forgets where guest `uuid` is. */
  forget(uuid: string): void {
    this.#cache.delete(uuid);
  }

  /** The cached location of a guest, without asking any host. */
  cached(uuid: string): LocatedDomain | undefined {
    const entry = this.#cache.get(uuid);
    return entry === undefined ? undefined : { host: entry.host, dom: domainRef(uuid, entry.name) };
  }

  /**
   * Runs `work` with the guest's location: the cached one first, and when the host says the domain is not there,
   * once more after looking it up on every host. NOT_FOUND when no host has it (UNAVAILABLE when some host could
   * not be asked).
   */
  async withDomain<T>(
    uuid: string,
    signal: AbortSignal | undefined,
    work: (located: LocatedDomain) => Promise<T>,
  ): Promise<T> {
    const cached = this.cached(uuid);
    if (cached !== undefined) {
      try {
        return await work(cached);
      } catch (error) {
        if (!isNoDomain(error)) throw error;
        this.forget(uuid);
      }
    }
    return work(await this.locate(uuid, signal));
  }

  /** Looks the guest up on every host (see {@link withDomain}). */
  async locate(uuid: string, signal?: AbortSignal): Promise<LocatedDomain> {
    const found = await this.locateQuickly(uuid, signal);
    const best = found.find((f) => f.dom.id !== -1) ?? found[0];
    if (best === undefined)
      throw new NotFoundError(`guest ${uuid} not found`, { details: { guestId: uuid } });
    this.remember(uuid, best.host, best.dom.name);
    return best;
  }

  /**
   * Every host that defines the guest (usually one; two during a migration). Throws UNAVAILABLE when it is on no
   * host that answered and some host did not answer.
   */
  async locateAll(uuid: string, signal?: AbortSignal): Promise<LocatedDomain[]> {
    const { hosts, unreachable } = await this.#target.reachable(signal);
    return this.#lookUp(uuid, hosts, unreachable, signal);
  }

  /**
   * {@link locateAll}, but asking the hosts connected now first: a guest found there is not kept waiting for a host
   * that is down to time out. The other hosts are asked only when none of those has it.
   */
  async locateQuickly(uuid: string, signal?: AbortSignal): Promise<LocatedDomain[]> {
    const connected = this.#target.hosts.filter((host) => host.connected);
    if (connected.length > 0 && connected.length < this.#target.hosts.length) {
      const found = await this.#lookUp(uuid, connected, [], signal);
      if (found.length > 0) return found;
    }
    return this.locateAll(uuid, signal);
  }

  async #lookUp(
    uuid: string,
    hosts: readonly LibvirtHost[],
    unreachable: readonly { readonly host: LibvirtHost; readonly error: Error }[],
    signal?: AbortSignal,
  ): Promise<LocatedDomain[]> {
    const bytes = uuidBytes(uuid);
    const results = await Promise.all(
      hosts.map(async (host) => {
        try {
          const { dom } = await host.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, { uuid: bytes }, signal);
          return { host, dom };
        } catch (error) {
          if (isNoDomain(error)) return undefined;
          throw error;
        }
      }),
    );
    const found = results.filter((r): r is LocatedDomain => r !== undefined);
    if (found.length === 0 && unreachable.length > 0) {
      throw new UnavailableError(
        `guest ${uuid} is on no host that answers, and ${unreachable.map((u) => u.host.display).join(', ')} ` +
          `cannot be reached: ${unreachable[0]!.error.message}`,
        { cause: unreachable[0]!.error, details: { guestId: uuid } },
      );
    }
    return found;
  }
}

/** The protocol's name of a domain: the daemon looks domains up by UUID, the name only appears in messages. */
export function domainRef(uuid: string, name: string): RemoteNonnullDomain {
  return { name, uuid: uuidBytes(uuid), id: -1 };
}
