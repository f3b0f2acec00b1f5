import { InvalidArgumentError, isHypervisorError, NotFoundError } from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import type { NewDomainNic } from '../domains/domain-builder.js';
import type { LibvirtHost } from '../hosts/libvirt-host.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';

/** A NIC as a spec or an `addNic` gives it, its network in `bridge`. */
export interface NicInput {
  readonly bridge: string;
  readonly model?: string | undefined;
  readonly vlan?: number | undefined;
  readonly macAddress?: string | undefined;
  readonly firewall?: boolean | undefined;
}

/**
 * Refuses VLAN tags (INVALID_ARGUMENT `<field>.vlan`): libvirt tags VLANs only on Open vSwitch ports, and the
 * connector makes none.
 */
export function refuseVlans(nics: readonly NicInput[], field: (index: number) => string): void {
  const violations = nics.flatMap((nic, index) =>
    nic.vlan === undefined
      ? []
      : [
          {
            field: `${field(index)}.vlan`,
            message: 'libvirt tags VLANs only on Open vSwitch ports; attach to a bridge of that VLAN instead',
          },
        ],
  );
  if (violations.length > 0) {
    throw new InvalidArgumentError(`invalid NIC: ${violations.map((v) => v.message).join('; ')}`, {
      violations,
    });
  }
}

/** Whether `name` is a libvirt network of `host` (`NETWORK_LOOKUP_BY_NAME`). */
async function isNetwork(host: LibvirtHost, name: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await host.call(P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, { name }, signal);
    return true;
  } catch (error) {
    if (isHypervisorError(error, 'NOT_FOUND')) return false;
    throw error;
  }
}

/**
 * Whether `name` is one of `host`'s own network interfaces, bridges included (`INTERFACE_LOOKUP_BY_NAME`: libvirt's
 * interface driver reads the host's list at each call, through udev or netcf); `undefined` when the host cannot
 * say (no interface driver, or the connection may not ask).
 */
async function isHostInterface(
  host: LibvirtHost,
  name: string,
  signal?: AbortSignal,
): Promise<boolean | undefined> {
  try {
    await host.call(P.REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME, { name }, signal);
    return true;
  } catch (error) {
    if (isHypervisorError(error, 'NOT_FOUND')) return false;
    if (isHypervisorError(error, 'UNSUPPORTED') || isHypervisorError(error, 'PERMISSION_DENIED'))
      return undefined;
    throw error;
  }
}

/**
 * The domain NICs of `nics` on `host`: a name that is one of the host's libvirt networks (or the configured
 * `network`) joins that network, the name of one of the host's interfaces is a host bridge, and any other name is
 * NOT_FOUND naming `field(index)` (before anything is written; when the host cannot list its interfaces, the name
 * is taken as a bridge and an unknown one fails at start). `macs[i]`, when given, is NIC i's MAC address;
 * `aliases[i]` its user alias (its slot).
 */
export async function domainNics(
  context: LibvirtContext,
  host: LibvirtHost,
  nics: readonly NicInput[],
  macs: readonly (string | undefined)[],
  aliases: readonly string[],
  field: (index: number) => string,
  signal?: AbortSignal,
): Promise<NewDomainNic[]> {
  return Promise.all(
    nics.map(async (nic, index) => {
      const network = nic.bridge === context.config.network || (await isNetwork(host, nic.bridge, signal));
      if (!network && (await isHostInterface(host, nic.bridge, signal)) === false) {
        throw new NotFoundError(
          `network '${nic.bridge}' not found: no libvirt network or host bridge has that name`,
          {
            details: { resource: 'network', id: nic.bridge, field: field(index) },
          },
        );
      }
      const mac = macs[index] ?? nic.macAddress?.toLowerCase();
      const alias = aliases[index];
      return {
        kind: network ? 'network' : 'bridge',
        source: nic.bridge,
        model: nic.model ?? 'virtio',
        ...(mac === undefined ? {} : { mac }),
        ...(alias === undefined ? {} : { alias }),
        firewall: nic.firewall === true,
      } satisfies NewDomainNic;
    }),
  );
}
