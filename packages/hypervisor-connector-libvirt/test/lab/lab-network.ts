import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { virsh } from './virsh.js';

/**
 * The isolated libvirt network of the lab's network host: a bridge with an address, dnsmasq handing out DHCP leases
 * from a range, no forwarding. It lives in that host's own network namespace, so its fixed addresses never meet
 * the machine's. Plain data.
 */
export interface LabNetworkFacts {
  /** The libvirt network's name (what a NIC names). */
  readonly name: string;
  /** Its Linux bridge (inside the host's network namespace). */
  readonly bridge: string;
  /** The bridge's IPv4 address, where dnsmasq answers. */
  readonly address: string;
  readonly prefixLength: number;
  /** The DHCP range, both ends included. */
  readonly dhcpStart: string;
  readonly dhcpEnd: string;
}

/** The lab's network: 10.89.0.0/24, leases from .100 to .199. */
export const LAB_NETWORK: LabNetworkFacts = {
  name: 'hvc-lab',
  bridge: 'hvclab0',
  address: '10.89.0.1',
  prefixLength: 24,
  dhcpStart: '10.89.0.100',
  dhcpEnd: '10.89.0.199',
};

/** An IPv4 address as a number, for range checks. */
const ipv4Number = (address: string): number =>
  address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

/** Whether `address` (dotted IPv4) lies in `network`'s DHCP range, both ends included. */
export function inDhcpRange(network: LabNetworkFacts, address: string): boolean {
  const value = ipv4Number(address);
  return value >= ipv4Number(network.dhcpStart) && value <= ipv4Number(network.dhcpEnd);
}

/** The network's definition: no `<forward>` (isolated), so nothing leaves the bridge. */
export function networkXml(network: LabNetworkFacts): string {
  return `<network>
  <name>${network.name}</name>
  <bridge name='${network.bridge}' stp='off' delay='0'/>
  <ip address='${network.address}' prefix='${network.prefixLength}'>
    <dhcp>
      <range start='${network.dhcpStart}' end='${network.dhcpEnd}'/>
    </dhcp>
  </ip>
</network>
`;
}

/**
 * Defines and starts `network` on the daemon at `unixUri` (which must run in a network namespace of its own):
 * libvirt makes the bridge and starts dnsmasq there. `dir` holds the definition while virsh reads it.
 */
export async function startLabNetwork(unixUri: string, dir: string, network: LabNetworkFacts): Promise<void> {
  const xmlPath = join(dir, `network-${network.name}.xml`);
  await writeFile(xmlPath, networkXml(network));
  try {
    await virsh(unixUri, ['net-define', xmlPath]);
  } finally {
    await rm(xmlPath, { force: true });
  }
  await virsh(unixUri, ['net-start', network.name]);
}
