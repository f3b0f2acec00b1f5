import type { Guest, GuestFilter } from '@hvc/hypervisor-connector';
import { matchesGuestFilter } from '@hvc/hypervisor-connector-kit';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import type { LibvirtTarget } from '../hosts/libvirt-target.js';
import type { GuestLocks } from '../operations/guest-locks.js';
import { RemoteProcedure as P, type RemoteNonnullDomain } from '../protocol/generated/remote-protocol.gen.js';
import { numberParam, typedParamMap } from '../rpc/typed-params.js';
import { parseDomainXml } from './domain-definition.js';
import { isActiveState, mapDomainState } from './domain-state.js';
import { uuidString } from './guest-id.js';
import { type GuestLocator, isNoDomain, type LocatedDomain } from './guest-locator.js';
import { toGuest } from './guest-mapping.js';

/** What guest reads need. */
export interface GuestReadContext {
  readonly target: LibvirtTarget;
  readonly locator: GuestLocator;
  readonly locks: GuestLocks;
}

/** `VIR_DOMAIN_STATS_STATE`: the bulk stats call's cheapest group. */
const STATS_STATE = 1;

/** Reads one located domain: its XML and its state at once. */
async function readGuest(
  context: GuestReadContext,
  located: LocatedDomain,
  signal?: AbortSignal,
): Promise<Guest> {
  const { host, dom } = located;
  const [xml, state] = await Promise.all([
    host.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: 0 }, signal),
    host.call(P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 }, signal),
  ]);
  const definition = parseDomainXml(xml.xml);
  const guest = toGuest(definition, {
    node: context.target.nodeName(host),
    host: host.display,
    state: mapDomainState(state.state, state.reason),
    ...operationOf(context, definition.uuid),
  });
  context.locator.remember(definition.uuid, host, definition.name);
  return guest;
}

function operationOf(context: GuestReadContext, uuid: string): { operation?: string } {
  const holder = context.locks.holder(uuid);
  return holder === undefined ? {} : { operation: holder };
}

/** One guest by UUID, from the host it is on (the cached one first; see `GuestLocator.withDomain`). */
export function getGuest(context: GuestReadContext, uuid: string, signal?: AbortSignal): Promise<Guest> {
  return context.locator.withDomain(uuid, signal, (located) => readGuest(context, located, signal));
}

/** A domain listed by a host, with its state. */
interface ListedDomain {
  readonly host: LibvirtHost;
  readonly dom: RemoteNonnullDomain;
  readonly state: number;
  readonly reason: number;
}

/** Every domain of `host` with its state: one bulk stats call. */
async function listHostDomains(host: LibvirtHost, signal?: AbortSignal): Promise<ListedDomain[]> {
  const { retStats } = await host.call(
    P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
    { doms: [], stats: STATS_STATE, flags: 0 },
    signal,
  );
  return retStats.map((record) => {
    const params = typedParamMap(record.params);
    return {
      host,
      dom: record.dom,
      state: numberParam(params, 'state.state') ?? 0,
      reason: numberParam(params, 'state.reason') ?? 0,
    };
  });
}

/**
 * The guests of every host that answers (UNAVAILABLE when none does): per host one bulk stats call for the
 * domains and their states, then the XML of each domain the filter's state, node and name prefix keep, all at once.
 * A UUID defined on two hosts (a migration half-way) is listed once, where it runs.
 */
export async function listGuests(
  context: GuestReadContext,
  filter: GuestFilter,
  signal?: AbortSignal,
): Promise<Guest[]> {
  const online = await context.target.online(signal);
  const hosts =
    filter.node === undefined
      ? online
      : online.filter((host) => context.target.nodeName(host) === filter.node);
  const listed = (await Promise.all(hosts.map((host) => listHostDomains(host, signal)))).flat();
  const byUuid = new Map<string, ListedDomain>();
  for (const entry of listed) {
    const uuid = uuidString(entry.dom.uuid);
    const seen = byUuid.get(uuid);
    if (seen === undefined || (!isActiveState(seen.state) && isActiveState(entry.state)))
      byUuid.set(uuid, entry);
  }
  const wanted = [...byUuid.values()].filter(
    (entry) =>
      (filter.state === undefined || mapDomainState(entry.state, entry.reason).state === filter.state) &&
      (filter.namePrefix === undefined || entry.dom.name.startsWith(filter.namePrefix)),
  );
  const guests = await Promise.all(
    wanted.map(async (entry) => {
      let xml: string;
      try {
        ({ xml } = await entry.host.call(
          P.REMOTE_PROC_DOMAIN_GET_XML_DESC,
          { dom: entry.dom, flags: 0 },
          signal,
        ));
      } catch (error) {
        // Undefined between the listing and this read: it is no longer there to list.
        if (isNoDomain(error)) return undefined;
        throw error;
      }
      const definition = parseDomainXml(xml);
      context.locator.remember(definition.uuid, entry.host, definition.name);
      return toGuest(definition, {
        node: context.target.nodeName(entry.host),
        host: entry.host.display,
        state: mapDomainState(entry.state, entry.reason),
        ...operationOf(context, definition.uuid),
      });
    }),
  );
  return guests.filter((guest): guest is Guest => guest !== undefined && matchesGuestFilter(guest, filter));
}
