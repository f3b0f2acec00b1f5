import { randomUUID } from 'node:crypto';
import { builtinRoles } from '../auth/privileges.js';
import type { GuestSeed, PveFakeOptions, StorageSeed } from '../options.js';
import { AccessState } from './access-state.js';
import { ClusterState } from './cluster-state.js';
import { materializeConfig, newVmIdentity } from './guest-volumes.js';
import type { GuestConfig, PveGuestState } from './model.js';

const GiB = 1024 ** 3;

const DEFAULT_STORAGES: StorageSeed[] = [
  { id: 'local', type: 'dir', content: ['iso', 'vztmpl', 'backup', 'import', 'snippets'], total: 100 * GiB },
  { id: 'local-lvm', type: 'lvmthin', content: ['images', 'rootdir'], total: 500 * GiB },
];

/** The container template every node has on `local` (used by default LXC creates in docs and tests). */
export const DEFAULT_OSTEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
/** The ISO image every node has on `local`. */
export const DEFAULT_ISO = 'local:iso/debian-12.7.0-amd64-netinst.iso';

function nodeNames(nodes: PveFakeOptions['nodes']): string[] {
  if (Array.isArray(nodes)) return [...nodes];
  const n = typeof nodes === 'number' ? nodes : 1;
  return Array.from({ length: n }, (_, i) => `pve${i + 1}`);
}

function guestSeeds(guests: PveFakeOptions['guests']): GuestSeed[] {
  if (!guests) return [];
  if (Array.isArray(guests)) return [...guests];
  const counts = guests as { qemu?: number; lxc?: number };
  return [
    ...Array.from({ length: counts.qemu ?? 0 }, () => ({ type: 'qemu' as const })),
    ...Array.from({ length: counts.lxc ?? 0 }, () => ({ type: 'lxc' as const })),
  ];
}

function defaultConfig(seed: GuestSeed, vmid: number, now: number): GuestConfig {
  if ((seed.type ?? 'qemu') === 'qemu') {
    return {
      ...newVmIdentity(now),
      name: seed.name ?? `vm-${vmid}`,
      memory: '2048',
      cores: 2,
      sockets: 1,
      cpu: 'x86-64-v2-AES',
      ostype: 'l26',
      scsihw: 'virtio-scsi-single',
      scsi0: 'local-lvm:32,iothread=1',
      ide2: 'none,media=cdrom',
      net0: 'virtio,bridge=vmbr0,firewall=1',
      boot: 'order=scsi0;ide2;net0',
      numa: 0,
    };
  }
  return {
    arch: 'amd64',
    hostname: seed.name ?? `ct-${vmid}`,
    memory: 512,
    swap: 512,
    cores: 1,
    ostype: 'debian',
    rootfs: 'local-lvm:8',
    net0: 'name=eth0,bridge=vmbr0,ip=dhcp',
    unprivileged: 1,
  };
}

/** The cloud image every node has on `local` (`import` content, PVE 8.2+). */
export const DEFAULT_IMPORT_IMAGE = 'local:import/noble-server-cloudimg-amd64.qcow2';

/** A cloud-init vendor-data snippet every node has on `local` (`snippets` content), for `cicustom`. */
export const DEFAULT_VENDOR_SNIPPET = 'local:snippets/hvc-vendor.yaml';

/** The SDN every cluster has unless the options say otherwise: one VLAN zone on `vmbr0`, one VNet in it. */
const DEFAULT_SDN = {
  zones: [{ zone: 'zone1', type: 'vlan', bridge: 'vmbr0' }],
  vnets: [{ vnet: 'vnet100', zone: 'zone1', tag: 100, alias: 'tenant network' }],
} as const;

/** Builds the cluster state from the options (nodes, storages, pools, guests, host networks). */
export function seedCluster(o: PveFakeOptions, now: number): ClusterState {
  const names = nodeNames(o.nodes);
  const cluster = new ClusterState(o.clusterName ?? (names.length > 1 ? 'hvc-fake' : undefined));
  names.forEach((name, i) => {
    cluster.nodes.set(name, {
      name,
      nodeid: i + 1,
      ip: `10.0.0.${11 + i}`,
      online: true,
      maxcpu: 16,
      maxmem: 64 * GiB,
      maxdisk: 100 * GiB,
      bootedAt: now - 3 * 86400,
    });
    cluster.networks.set(name, [
      {
        iface: 'lo',
        type: 'loopback',
        attrs: {
          method: 'loopback',
          method6: 'manual',
          families: ['inet'],
          active: 1,
          autostart: 1,
          priority: 1,
        },
      },
      {
        iface: 'eno1',
        type: 'eth',
        attrs: { method: 'manual', method6: 'manual', families: ['inet'], active: 1, exists: 1, priority: 2 },
      },
      {
        iface: 'vmbr0',
        type: 'bridge',
        attrs: {
          method: 'static',
          method6: 'manual',
          families: ['inet'],
          active: 1,
          autostart: 1,
          priority: 3,
          address: `10.0.0.${11 + i}`,
          netmask: '24',
          cidr: `10.0.0.${11 + i}/24`,
          gateway: '10.0.0.1',
          bridge_ports: 'eno1',
          bridge_stp: 'off',
          bridge_fd: '0',
        },
      },
    ]);
    cluster.staticVolumes.push(
      {
        storage: 'local',
        node: name,
        volid: DEFAULT_ISO,
        content: 'iso',
        format: 'iso',
        size: 660 * 1024 ** 2,
        ctime: now - 86400,
      },
      {
        storage: 'local',
        node: name,
        volid: DEFAULT_OSTEMPLATE,
        content: 'vztmpl',
        format: 'tzst',
        size: 120 * 1024 ** 2,
        ctime: now - 86400,
      },
      {
        storage: 'local',
        node: name,
        volid: DEFAULT_IMPORT_IMAGE,
        content: 'import',
        format: 'qcow2',
        size: 597 * 1024 ** 2,
        virtualSize: 3.5 * GiB,
        ctime: now - 86400,
      },
      {
        storage: 'local',
        node: name,
        volid: DEFAULT_VENDOR_SNIPPET,
        content: 'snippets',
        format: 'snippet',
        size: 212,
        ctime: now - 86400,
      },
    );
  });
  for (const s of o.storages ?? DEFAULT_STORAGES) {
    cluster.storages.set(s.id, {
      id: s.id,
      type: s.type ?? 'dir',
      content: s.content ?? ['images', 'rootdir'],
      shared: s.shared ?? false,
      nodes: s.nodes,
      total: s.total ?? 500 * GiB,
      ...(s.disable ? { disable: true } : {}),
    });
  }
  for (const zone of o.sdn?.zones ?? DEFAULT_SDN.zones) cluster.sdn.zones.set(zone.zone, zone);
  for (const vnet of o.sdn?.vnets ?? DEFAULT_SDN.vnets) cluster.sdn.vnets.set(vnet.vnet, vnet);
  for (const p of o.pools ?? []) cluster.pools.set(p, { poolid: p });
  let nextVmid = 100;
  guestSeeds(o.guests).forEach((seed, i) => {
    const type = seed.type ?? 'qemu';
    while (cluster.guests.has(nextVmid)) nextVmid++;
    const vmid = seed.vmid ?? nextVmid;
    const node = seed.node ?? names[i % names.length]!;
    if (seed.pool !== undefined && !cluster.pools.has(seed.pool))
      cluster.pools.set(seed.pool, { poolid: seed.pool });
    let config = materializeConfig(type, vmid, { ...defaultConfig(seed, vmid, now), ...seed.config }, (id) =>
      cluster.storageAvailable(node, id),
    );
    if (seed.template) config = { ...config, template: 1 };
    if (seed.lock !== undefined) config = { ...config, lock: seed.lock };
    const running = seed.status === 'running';
    const guest: PveGuestState = {
      type,
      vmid,
      node,
      config,
      revision: 0,
      status: running ? 'running' : 'stopped',
      qmpstatus: running ? 'running' : 'stopped',
      startedAt: running ? now - 3600 : undefined,
      pid: running ? 20_000 + vmid : undefined,
      snapshots: new Map(),
      pool: seed.pool,
      ...(seed.ha === undefined ? {} : { ha: { state: seed.ha, managerState: seed.ha } }),
    };
    let parent: string | undefined;
    for (const name of seed.snapshots ?? []) {
      guest.snapshots.set(name, {
        name,
        description: '',
        snaptime: now - 600,
        vmstate: false,
        parent,
        config: { ...config },
      });
      parent = name;
    }
    guest.parentSnapshot = parent;
    cluster.guests.set(vmid, guest);
  });
  return cluster;
}

/** The access state: built-in roles and `root@pam` with its full-privilege token `hvc`. */
export function seedAccess(o: PveFakeOptions, password: string, tokenSecret: string): AccessState {
  const access = new AccessState(builtinRoles(o.pveVersion ?? 9));
  access.users.set('root@pam', {
    userid: 'root@pam',
    password,
    enable: true,
    expire: 0,
    email: 'root@pve.test',
    groups: new Set(),
    tokens: new Map([
      ['hvc', { tokenid: 'hvc', secret: tokenSecret, privsep: false, expire: 0, comment: 'hvc fake' }],
    ]),
  });
  return access;
}

/** A random password for `root@pam`. */
export const randomPassword = (): string => `pve-${randomUUID().slice(0, 18)}`;
