import { parseIpconfig } from '../params/cloudinit-formats.js';
import { nicMac } from './cloudinit-documents.js';
import { cloudinitDriveKey } from './cloudinit-drive.js';
import type { ClusterState } from './cluster-state.js';
import type { GuestConfig, PveGuestState } from './model.js';

/** One address of a guest interface. */
export interface GuestAddress {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
}

/** A network interface as the guest sees it. */
export interface GuestInterface {
  readonly name: string;
  /** Lower-case MAC. */
  readonly mac: string;
  readonly addresses: readonly GuestAddress[];
}

/** The loopback interface every Linux guest has. */
const LOOPBACK: GuestInterface = {
  name: 'lo',
  mac: '00:00:00:00:00:00',
  addresses: [
    { family: 4, address: '127.0.0.1', prefix: 8 },
    { family: 6, address: '::1', prefix: 128 },
  ],
};

/** The IPv6 link-local address the kernel derives from a MAC (EUI-64). */
function linkLocal(mac: string): GuestAddress {
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  const eui = [b[0]! ^ 2, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups = [0, 2, 4, 6].map((i) => ((eui[i]! << 8) | eui[i + 1]!).toString(16));
  return { family: 6, address: `fe80::${groups.join(':')}`, prefix: 64 };
}

/**
 * The address a DHCP server on `bridge` would lease: the fake's deterministic pool — `.100`–`.249` of the bridge's
 * IPv4 network on the node (`10.99.0.0/24` for a bridge without one), picked from the VM id and NIC index.
 */
function dhcpLease(
  cluster: ClusterState,
  node: string,
  bridge: string,
  vmid: number,
  index: number,
): GuestAddress {
  const cidr = cluster.networks.get(node)?.find((i) => i.iface === bridge)?.attrs.cidr;
  const [net = '10.99.0.0', bits = '24'] = typeof cidr === 'string' ? cidr.split('/') : [];
  const base = net.split('.').slice(0, 3).join('.');
  return { family: 4, address: `${base}.${100 + ((vmid * 7 + index * 13) % 150)}`, prefix: Number(bits) };
}

function option(value: string, key: string): string | undefined {
  return value
    .split(',')
    .find((p) => p.startsWith(`${key}=`))
    ?.slice(key.length + 1);
}

function cidrAddress(cidr: string, family: 4 | 6): GuestAddress {
  const [address = '', prefix = '0'] = cidr.split('/');
  return { family, address, prefix: Number(prefix) };
}

/**
 * A running VM's interfaces as its guest would configure them — the fake's stand-in for a real guest applying its
 * cloud-init network config: with a cloud-init drive, `netN` with a static `ipconfigN` (as of the image last
 * generated) gets that address on `ethN` with the NIC's MAC; DHCP (`ip=dhcp`, no `ipconfigN`, no cloud-init) gets a
 * lease from {@link dhcpLease}; every NIC has its IPv6 link-local address, static `ip6` added.
 */
export function vmInterfaces(cluster: ClusterState, g: PveGuestState): GuestInterface[] {
  const applied: GuestConfig = cloudinitDriveKey(g.config) === undefined ? {} : (g.cloudinitBase ?? g.config);
  return [
    LOOPBACK,
    ...nics(
      cluster,
      g,
      (id) => {
        const ipconfig = applied[`ipconfig${id}`];
        const ip = ipconfig === undefined ? {} : parseIpconfig(String(ipconfig));
        return { ip: ip.ip, ip6: ip.ip6 };
      },
      (value) => nicMac(value),
    ),
  ];
}

/** A running container's interfaces from its `netN` (`name=`, `hwaddr=`, `ip=`, `ip6=`), plus `lo`. */
export function containerInterfaces(cluster: ClusterState, g: PveGuestState): GuestInterface[] {
  return [
    LOOPBACK,
    ...nics(
      cluster,
      g,
      (id) => {
        const value = String(g.config[`net${id}`]);
        return { ip: option(value, 'ip'), ip6: option(value, 'ip6'), name: option(value, 'name') };
      },
      (value) => option(value, 'hwaddr')?.toLowerCase(),
    ),
  ];
}

function nics(
  cluster: ClusterState,
  g: PveGuestState,
  ipOf: (id: number) => { ip?: string; ip6?: string; name?: string },
  macOf: (value: string) => string | undefined,
): GuestInterface[] {
  const out: GuestInterface[] = [];
  const keys = Object.keys(g.config)
    .filter((k) => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  for (const key of keys) {
    const id = Number(key.slice(3));
    const value = String(g.config[key]);
    const mac = macOf(value);
    if (!mac) continue;
    const { ip, ip6, name } = ipOf(id);
    const addresses: GuestAddress[] = [];
    if (ip === undefined || ip === 'dhcp') {
      addresses.push(dhcpLease(cluster, g.node, option(value, 'bridge') ?? '', g.vmid, id));
    } else if (ip !== 'manual') addresses.push(cidrAddress(ip, 4));
    if (ip6 !== undefined && !['auto', 'dhcp', 'manual'].includes(ip6)) addresses.push(cidrAddress(ip6, 6));
    addresses.push(linkLocal(mac));
    out.push({ name: name ?? `eth${id}`, mac, addresses });
  }
  return out;
}
