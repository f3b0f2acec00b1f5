import {
  type AddressSource,
  type AddressSourceStatus,
  type GuestAddresses,
  type GuestInterfaceAddresses,
  isHypervisorError,
} from '@hvc/hypervisor-connector';
import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { readGuestConfig } from '../devices/guest-config-read.js';
import { guestPath, onGuest } from '../guests/guest-scope.js';
import { guestConfigFromPve } from '../mapping/guest-config-mapping.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import {
  PveAgentInterfacesSchema,
  PveContainerInterfacesSchema,
  type PveGuestInterface,
} from './address-schemas.js';

/**
 * qemu-server `QemuServer/Agent.pm assert_agent_available` (HTTP 500): an agent not configured is never going to
 * answer; a VM or an agent that is not running may later.
 */
const AGENT_NOT_CONFIGURED = /No QEMU guest agent configured/;
const AGENT_NOT_RUNNING = /VM \d+ is not running|QEMU guest agent is not running|Agent error/;

const LOOPBACK = /^(127\.|::1$)/;

/** Interfaces as the contract has them: loopback left out, MACs lower-case and matched to the guest's `netN`. */
function interfacesOf(
  items: readonly PveGuestInterface[],
  source: AddressSource,
  slotOfMac: ReadonlyMap<string, string>,
): GuestInterfaceAddresses[] {
  return items
    .filter((item) => item.name !== 'lo')
    .map((item) => {
      const mac = (item['hardware-address'] ?? item.hwaddr)?.toLowerCase();
      const slot = mac === undefined ? undefined : slotOfMac.get(mac);
      return {
        ...(item.name === undefined ? {} : { name: item.name }),
        ...(mac === undefined ? {} : { macAddress: mac }),
        ...(slot === undefined ? {} : { slot }),
        addresses: (item['ip-addresses'] ?? [])
          .filter((a) => !LOOPBACK.test(a['ip-address']))
          .map((a) => ({
            address: a['ip-address'],
            ...(a.prefix === undefined ? {} : { prefixLength: a.prefix }),
            // QGA says ipv4/ipv6; pve-container passes iproute's inet/inet6 through.
            family:
              a['ip-address-type'] === 'ipv6' || a['ip-address-type'] === 'inet6'
                ? ('ipv6' as const)
                : ('ipv4' as const),
            source,
          })),
      };
    });
}

/**
 * A guest's addresses: a VM's from its guest agent (`agent`), a container's read by the host (`host`). A stopped
 * guest or an agent that does not answer is no error: the source says `unavailable` (or `unsupported` for a VM
 * without an agent configured) with PVE's message. A refusal for want of a privilege stays PERMISSION_DENIED.
 */
export function addressMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'getGuestAddresses'> {
  return {
    getGuestAddresses: (ref, request, { signal }) =>
      onGuest(pve, ref, signal, async (node): Promise<GuestAddresses> => {
        const config = guestConfigFromPve(ref.id, ref.type, await readGuestConfig(pve, ref, node, signal));
        const slotOfMac = new Map(
          config.nics.flatMap((nic) =>
            nic.macAddress === undefined ? [] : [[nic.macAddress, nic.slot] as const],
          ),
        );
        const source: AddressSource = ref.type === 'qemu' ? 'agent' : 'host';
        const sources: Partial<Record<AddressSource, AddressSourceStatus>> = {};
        let interfaces: GuestInterfaceAddresses[] = [];
        if (!(request.sources ?? [source]).includes(source)) return { guestId: ref.id, interfaces, sources };
        if (ref.type === 'qemu' && config.guestAgent !== true) {
          // `agent: 0` or none: no agent channel, so PVE would only time out on guest-ping.
          sources.agent = { status: 'unsupported', message: 'no QEMU guest agent configured (guestAgent)' };
        } else {
          try {
            const items =
              ref.type === 'qemu'
                ? ((
                    await pve.client.get(
                      `${guestPath(ref, node)}/agent/network-get-interfaces`,
                      undefined,
                      PveAgentInterfacesSchema,
                      { node, signal },
                    )
                  ).result ?? [])
                : await pve.client.get(
                    `${guestPath(ref, node)}/interfaces`,
                    undefined,
                    PveContainerInterfacesSchema,
                    {
                      node,
                      signal,
                    },
                  );
            if (items === null) {
              sources[source] = { status: 'unavailable', message: `container ${ref.vmid} is not running` };
            } else {
              interfaces = interfacesOf(items, source, slotOfMac);
              sources[source] = { status: 'ok' };
            }
          } catch (error) {
            if (isHypervisorError(error) && AGENT_NOT_CONFIGURED.test(error.message)) {
              sources[source] = {
                status: 'unsupported',
                message: 'no QEMU guest agent configured (guestAgent)',
              };
            } else if (isHypervisorError(error) && AGENT_NOT_RUNNING.test(error.message)) {
              sources[source] = {
                status: 'unavailable',
                message: AGENT_NOT_RUNNING.exec(error.message)?.[0] ?? '',
              };
            } else {
              throw error;
            }
          }
        }
        return { guestId: ref.id, interfaces, sources };
      }),
  };
}
