import { createHash } from 'node:crypto';
import { parseIpconfig } from '../params/cloudinit-formats.js';
import type { GuestConfig } from './model.js';
import { uriUnescape } from './ssh-public-keys.js';

/** The fake node's `/etc/resolv.conf`, which PVE copies when a VM sets neither `nameserver` nor `searchdomain`. */
export const HOST_RESOLV_CONF = { search: 'pve.test', nameservers: ['10.0.0.1'] } as const;

/** qemu-server `src/PVE/QemuServer/Cloudinit.pm` `get_hostname_fqdn`: from `name`, else `VM<vmid>`. */
export function hostnameFqdn(config: GuestConfig, vmid: number): { hostname: string; fqdn: string } {
  const name = String(config.name ?? `VM${vmid}`);
  if (name.includes('.')) return { hostname: name.replace(/\..*$/, ''), fqdn: name };
  const search = config.searchdomain;
  return { hostname: name, fqdn: typeof search === 'string' && search ? `${name}.${search}` : name };
}

/** `Cloudinit.pm` `cloudinit_userdata`: the generated `#cloud-config` (password masked with `mask`). */
export function cloudinitUserdata(config: GuestConfig, vmid: number, mask: boolean): string {
  const { hostname, fqdn } = hostnameFqdn(config, vmid);
  let out = `#cloud-config\nhostname: ${hostname}\nmanage_etc_hosts: true\nfqdn: ${fqdn}\n`;
  const user = config.ciuser === undefined ? undefined : String(config.ciuser);
  if (user !== undefined) out += `user: ${user}\n`;
  if (user === 'root') out += 'disable_root: False\n';
  if (config.cipassword !== undefined)
    out += `password: ${mask ? '**********' : String(config.cipassword)}\n`;
  if (config.sshkeys !== undefined) {
    const keys = uriUnescape(String(config.sshkeys))
      .split('\n')
      .filter((k) => /\S/.test(k));
    out += `ssh_authorized_keys:\n${keys.map((k) => `  - ${k}\n`).join('')}`;
  }
  out += 'chpasswd:\n  expire: False\n';
  if (user !== 'root') out += 'users:\n  - default\n';
  if (config.ciupgrade === undefined || Number(config.ciupgrade) === 1) out += 'package_upgrade: true\n';
  return out;
}

/** The MAC of a QEMU `netN` value (`virtio=BC:24:11:..` or `macaddr=`), lower-case. */
export function nicMac(value: string): string | undefined {
  for (const part of value.split(',')) {
    const m = /^(?:[a-z0-9-]+|macaddr)=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})$/.exec(part);
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}

/** `PVE::Network::$ipv4_reverse_mask`: a prefix length as a dotted netmask. */
function netmask(bits: number): string {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.');
}

/** `Cloudinit.pm` `nocloud_network`: network config version 1 for the NICs that have an `ipconfigN`, plus DNS. */
export function nocloudNetwork(config: GuestConfig): string {
  let out = 'version: 1\nconfig:\n';
  const nics = Object.keys(config)
    .filter((k) => /^net\d+$/.test(k))
    .sort();
  for (const nic of nics) {
    const id = nic.slice(3);
    const ipconfig = config[`ipconfig${id}`];
    if (!ipconfig) continue;
    const ip = parseIpconfig(String(ipconfig));
    const mac = nicMac(String(config[nic]));
    out += `    - type: physical\n      name: eth${id}\n      mac_address: '${mac}'\n      subnets:\n`;
    const i = '      ';
    if (ip.ip === 'dhcp') out += `${i}- type: dhcp4\n`;
    else if (ip.ip !== undefined && ip.ip !== 'manual') {
      const [addr, bits] = ip.ip.split('/');
      out += `${i}- type: static\n${i}  address: '${addr}'\n${i}  netmask: '${netmask(Number(bits))}'\n`;
      if (ip.gw !== undefined) out += `${i}  gateway: '${ip.gw}'\n`;
    }
    if (ip.ip6 === 'dhcp') out += `${i}- type: dhcp6\n`;
    else if (ip.ip6 === 'auto') out += `${i}- type: ipv6_slaac\n`;
    else if (ip.ip6 !== undefined && ip.ip6 !== 'manual') {
      out += `${i}- type: static6\n${i}  address: '${ip.ip6}'\n`;
      if (ip.gw6 !== undefined) out += `${i}  gateway: '${ip.gw6}'\n`;
    }
  }
  // `get_dns_conf`: the VM's values, else the host's resolv.conf.
  const search =
    config.searchdomain !== undefined ? String(config.searchdomain).split(/\s+/) : [HOST_RESOLV_CONF.search];
  const servers =
    config.nameserver !== undefined
      ? String(config.nameserver)
          .split(/\s+/)
          .filter((s) => s.length > 0)
      : [...HOST_RESOLV_CONF.nameservers];
  out += '    - type: nameserver\n';
  if (servers.length > 0) out += `      address:\n${servers.map((s) => `      - '${s}'\n`).join('')}`;
  const domains = search.filter((s) => s.length > 0);
  if (domains.length > 0) out += `      search:\n${domains.map((s) => `      - '${s}'\n`).join('')}`;
  return out;
}

/** `Cloudinit.pm` `nocloud_gen_metadata`: `instance-id: sha1(user-data . network-config)`. */
export function nocloudMetadata(config: GuestConfig, vmid: number): string {
  const user = cloudinitUserdata(config, vmid, false);
  const id = createHash('sha1')
    .update(user + nocloudNetwork(config))
    .digest('hex');
  return `instance-id: ${id}\n`;
}
