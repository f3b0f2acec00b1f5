import type {
  AddressRequest,
  AddressSourceStatus,
  GuestAddress,
  GuestAddresses,
  GuestInterfaceAddresses,
} from '@hvc/hypervisor-connector';
import type { GuestRecord } from './guest-record.js';
import type { MemoryContext } from './memory-context.js';

/**
 * A guest's addresses as the memory "host" reads them: per NIC, the static cloud-init address when one is
 * configured, else one derived from the guest number and the NIC's index within its network's CIDR (10.x/24 when the
 * network has none) — the same every time. A guest that is not running answers `unavailable`; the memory connector
 * reads no other source, so any other asked is `unsupported`.
 */
export function memoryGuestAddresses(
  context: MemoryContext,
  guestId: string,
  request: AddressRequest,
): GuestAddresses {
  const guest = context.state.guest(guestId, context.origin);
  const running = guest.state === 'running' || guest.state === 'paused';
  const sources: Record<string, AddressSourceStatus> = {};
  for (const source of request.sources ?? ['host']) {
    sources[source] =
      source !== 'host'
        ? { status: 'unsupported', message: 'the memory connector reads addresses from its host only' }
        : running
          ? { status: 'ok' }
          : { status: 'unavailable', message: `guest ${guest.id} is ${guest.state}` };
  }
  const interfaces = sources.host?.status === 'ok' ? hostInterfaces(context, guest) : [];
  return { guestId: guest.id, interfaces, sources };
}

function hostInterfaces(context: MemoryContext, guest: GuestRecord): GuestInterfaceAddresses[] {
  return guest.config.nics.map((nic, index) => {
    const configured = guest.config.cloudInit?.interfaces[index];
    const addresses: GuestAddress[] = [];
    const ipv4 = configured?.ipv4;
    if (ipv4 !== undefined && ipv4 !== 'dhcp') {
      addresses.push(withPrefix(ipv4.address, 'ipv4'));
    } else {
      const cidr = context.inventory.networks.find((n) => n.id === nic.bridge)?.cidr;
      addresses.push(derivedIpv4(cidr, guest.vmid, index));
    }
    const ipv6 = configured?.ipv6;
    if (ipv6 !== undefined && typeof ipv6 === 'object') addresses.push(withPrefix(ipv6.address, 'ipv6'));
    return { name: `eth${index}`, macAddress: nic.macAddress, slot: nic.slot, addresses };
  });
}

function withPrefix(cidr: string, family: 'ipv4' | 'ipv6'): GuestAddress {
  const [address, prefix] = cidr.split('/') as [string, string];
  return { address, prefixLength: Number(prefix), family, source: 'host' };
}

/**
 * A host address inside `cidr` (an IPv4 network of /8 to /30), past its network address and first host (the
 * gateway, by convention) and before its broadcast address; inside 10.<vmid>/24 for a network without one.
 */
function derivedIpv4(cidr: string | undefined, vmid: number, index: number): GuestAddress {
  const match = cidr === undefined ? null : /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const prefix = match === null ? 0 : Number(match[5]);
  if (match === null || prefix < 8 || prefix > 30) {
    const address = `10.${(vmid >> 8) & 0xff}.${vmid & 0xff}.${10 + (index % 240)}`;
    return { address, prefixLength: 24, family: 'ipv4', source: 'host' };
  }
  const base = match.slice(1, 5).reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  const host = base - (base % size) + 2 + ((vmid * 8 + index) % (size - 3));
  const address = [3, 2, 1, 0].map((byte) => Math.floor(host / 256 ** byte) % 256).join('.');
  return { address, prefixLength: prefix, family: 'ipv4', source: 'host' };
}
