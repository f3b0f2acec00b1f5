import {
  type AddressRequest,
  type AddressSource,
  type AddressSourceStatus,
  type GuestAddress,
  type GuestAddresses,
  type GuestInterfaceAddresses,
  isHypervisorError,
} from '@hvc/hypervisor-connector';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { parseDomainXml } from '../domains/domain-definition.js';
import { DomainState } from '../domains/domain-state.js';
import { readDomainStatus } from '../domains/domain-status.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { LibvirtErrorCode as E } from '../rpc/libvirt-error-codes.js';
import { XML_INACTIVE } from './guest-delete.js';
import { nicSlot } from './guest-devices-read.js';

/** `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE`, `_AGENT` and `_ARP` for the sources the contract names. */
const LIBVIRT_SOURCES: Readonly<Partial<Record<AddressSource, number>>> = { lease: 0, agent: 1, arp: 2 };
/** `VIR_IP_ADDR_TYPE_IPV4` is 0, `_IPV6` 1. */
const IPV6 = 1;

/** How one source answers when libvirt refuses it: not now, or never on this guest. */
function statusOf(error: unknown): AddressSourceStatus {
  if (!isHypervisorError(error)) throw error;
  const code = (error.details as { libvirtCode?: number } | undefined)?.libvirtCode;
  if (code === E.ARGUMENT_UNSUPPORTED || code === E.NO_SUPPORT) {
    return { status: 'unsupported', message: error.message };
  }
  // INTERNAL_ERROR: the host could not read its own tables, e.g. ARP's "wrong nlmsg len" where the kernel's
  // neighbour dump is not what libvirt's netlink reader expects — the other sources may still answer.
  if (
    code === E.OPERATION_INVALID ||
    code === E.AGENT_UNRESPONSIVE ||
    code === E.OPERATION_UNSUPPORTED ||
    code === E.INTERNAL_ERROR ||
    error.code === 'UNAVAILABLE'
  ) {
    return { status: 'unavailable', message: error.message };
  }
  throw error;
}

/**
 * `getGuestAddresses`: for each source asked, `DOMAIN_INTERFACE_ADDRESSES` with libvirt's source — `lease` (the
 * DHCP leases of libvirt networks' dnsmasq), `agent` (the QEMU guest agent inside the guest), `arp` (the host's
 * neighbour table) — merged per interface by MAC, each interface matched to the guest's NIC slot. A stopped guest
 * answers `unavailable` for every source; an agent that is absent or silent `unavailable`; a source libvirt does
 * not offer `unsupported`.
 */
export async function getGuestAddresses(
  context: LibvirtContext,
  uuid: string,
  request: AddressRequest,
  signal?: AbortSignal,
): Promise<GuestAddresses> {
  const asked = request.sources ?? ['lease', 'agent', 'arp'];
  const status = await readDomainStatus(context.locator, uuid, signal);
  const sources: Partial<Record<AddressSource, AddressSourceStatus>> = {};
  if (status.state !== DomainState.RUNNING && status.state !== DomainState.PAUSED) {
    for (const source of asked) {
      sources[source] = { status: 'unavailable', message: `the guest is ${status.mapped.libvirtState}` };
    }
    return { guestId: uuid, interfaces: [], sources };
  }
  const { host, dom } = status;
  const { xml } = await host.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags: XML_INACTIVE }, signal);
  const slots = new Map(
    parseDomainXml(xml).nics.flatMap((nic, index) =>
      nic.mac === undefined ? [] : [[nic.mac.toLowerCase(), nicSlot(nic, index)] as const],
    ),
  );
  const interfaces = new Map<string, { name?: string; macAddress?: string; addresses: GuestAddress[] }>();
  for (const source of asked) {
    const libvirtSource = LIBVIRT_SOURCES[source];
    if (libvirtSource === undefined) {
      sources[source] = { status: 'unsupported', message: `libvirt has no ${source} source` };
      continue;
    }
    try {
      const { ifaces } = await host.call(
        P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES,
        { dom, source: libvirtSource, flags: 0 },
        signal,
      );
      sources[source] = { status: 'ok' };
      for (const iface of ifaces) {
        const mac = iface.hwaddr?.toLowerCase();
        const key = mac ?? `name:${iface.name}`;
        const entry = interfaces.get(key) ?? {
          addresses: [],
          ...(mac === undefined ? {} : { macAddress: mac }),
        };
        // lease and arp name the host's tap device; only the agent knows the guest's own name.
        if (source === 'agent') entry.name = iface.name;
        for (const addr of iface.addrs) {
          entry.addresses.push({
            address: addr.addr,
            prefixLength: addr.prefix,
            family: addr.type === IPV6 ? 'ipv6' : 'ipv4',
            source,
          });
        }
        interfaces.set(key, entry);
      }
    } catch (error) {
      sources[source] = statusOf(error);
    }
  }
  const result: GuestInterfaceAddresses[] = [...interfaces.values()].map((entry) => {
    const slot = entry.macAddress === undefined ? undefined : slots.get(entry.macAddress);
    return {
      ...(entry.name === undefined ? {} : { name: entry.name }),
      ...(entry.macAddress === undefined ? {} : { macAddress: entry.macAddress }),
      ...(slot === undefined ? {} : { slot }),
      addresses: entry.addresses,
    };
  });
  return { guestId: uuid, interfaces: result, sources };
}
