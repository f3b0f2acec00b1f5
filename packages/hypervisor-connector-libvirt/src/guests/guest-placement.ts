import { AlreadyExistsError, isHypervisorError, UnsupportedOperationError } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { type GuestPlatform, guestPlatform } from '../hosts/host-capabilities.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';

/** What a new guest asks of its platform (the target's guest defaults, overridden per guest). */
export interface PlatformWish {
  readonly arch?: string;
  readonly domainType?: string;
}

/** The platform of a new guest on `host`; UNSUPPORTED naming the host when it offers none. */
export function platformOn(host: LibvirtHost, wish: PlatformWish, nodeName: string): GuestPlatform {
  const facts = host.facts;
  const platform = facts === undefined ? undefined : guestPlatform(facts.capabilities, wish);
  if (platform === undefined) {
    const what = `${wish.domainType ?? 'any'} domains for ${wish.arch ?? facts?.capabilities.arch ?? 'its'} guests`;
    throw new UnsupportedOperationError('create', `node ${nodeName} offers no ${what} (see describe().raw)`);
  }
  return platform;
}

/**
 * The host a new guest goes to: `node` when given (NOT_FOUND when the target has none), else the host with the
 * most free memory among those that answer and offer the platform.
 */
export async function placeGuest(
  context: LibvirtContext,
  node: string | undefined,
  wish: PlatformWish,
  signal?: AbortSignal,
): Promise<{ host: LibvirtHost; platform: GuestPlatform }> {
  if (node !== undefined) {
    const host = await context.target.byNode(node, signal);
    await host.client(signal);
    return { host, platform: platformOn(host, wish, node) };
  }
  const online = await context.target.online(signal);
  const candidates = online.filter(
    (host) => host.facts !== undefined && guestPlatform(host.facts.capabilities, wish) !== undefined,
  );
  if (candidates.length === 0) {
    const first = online[0]!;
    return { host: first, platform: platformOn(first, wish, context.target.nodeName(first)) };
  }
  const free = await Promise.all(
    candidates.map((host) =>
      host.call(P.REMOTE_PROC_NODE_GET_FREE_MEMORY, undefined, signal).then((reply) => Number(reply.freeMem)),
    ),
  );
  const best = candidates[free.indexOf(Math.max(...free))]!;
  return { host: best, platform: platformOn(best, wish, context.target.nodeName(best)) };
}

/**
 * Throws ALREADY_EXISTS when a host of the target has a domain called `name`: libvirt's names are unique per host
 * only (and it reports a clash as a plain failure), hvc keeps them unique per target so that a migration never
 * meets one.
 */
export async function assertNameFree(
  context: LibvirtContext,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  const hosts = await context.target.online(signal);
  await Promise.all(
    hosts.map(async (host) => {
      try {
        await host.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name }, signal);
      } catch (error) {
        if (isHypervisorError(error, 'NOT_FOUND')) return;
        throw error;
      }
      throw new AlreadyExistsError(`a guest called ${name} exists on node ${context.target.nodeName(host)}`, {
        details: { name, node: context.target.nodeName(host) },
      });
    }),
  );
}
