import type { FleetGuest, GuestFleet } from './guest-fleet.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A response body as PVE sends it: `{"data": ...}`, serialised once. */
export function envelope(data: unknown): Buffer {
  return Buffer.from(JSON.stringify({ data }), 'utf8');
}

// A fleet's sizes: guests come in flavours, here 4 CPU counts x 5 memory sizes x 4 disk sizes (80 at most), spread
// over the VMIDs so that neighbours differ.
const FLAVOUR_CPUS = [1, 2, 4, 8];
const FLAVOUR_MEMORY_GIB = [1, 2, 4, 8, 16];
const FLAVOUR_DISK_GIB = [8, 32, 64, 128];

/** The guest's flavour: what it is given, the same in every body that reports it. */
function flavourOf(guest: FleetGuest): { cpus: number; maxmem: number; maxdisk: number } {
  return {
    cpus: FLAVOUR_CPUS[guest.vmid % 4] as number,
    maxmem: (FLAVOUR_MEMORY_GIB[guest.vmid % 5] as number) * GiB,
    maxdisk: (FLAVOUR_DISK_GIB[Math.floor(guest.vmid / 4) % 4] as number) * GiB,
  };
}

/** A `/cluster/resources` guest item with the fields a PVE 8/9 cluster reports. */
function clusterResourceItem(guest: FleetGuest): Record<string, unknown> {
  const running = guest.running;
  const flavour = flavourOf(guest);
  const item: Record<string, unknown> = {
    id: `${guest.type}/${guest.vmid}`,
    type: guest.type,
    node: guest.node,
    vmid: guest.vmid,
    name: guest.name,
    status: running ? 'running' : 'stopped',
    template: 0,
    maxcpu: flavour.cpus,
    cpu: running ? 0.0123 + (guest.vmid % 97) / 1000 : 0,
    maxmem: flavour.maxmem,
    mem: running ? 1_234_567_890 + guest.vmid * 1024 : 0,
    maxdisk: flavour.maxdisk,
    disk: guest.type === 'qemu' ? 0 : running ? 2_147_483_648 : 0,
    netin: running ? 987_654_321 + guest.vmid : 0,
    netout: running ? 123_456_789 + guest.vmid : 0,
    diskread: running ? 456_789_012 : 0,
    diskwrite: running ? 345_678_901 : 0,
    uptime: running ? 864_000 + guest.vmid : 0,
    tags: 'prod;team-a',
  };
  if (guest.type === 'qemu') item.memhost = running ? 1_300_000_000 : 0;
  if (guest.vmid % 10 === 0) item.pool = 'customers';
  if (guest.vmid % 50 === 0) item.hastate = 'started';
  return item;
}

function nodeResourceItem(node: string): Record<string, unknown> {
  return {
    id: `node/${node}`,
    type: 'node',
    node,
    status: 'online',
    level: '',
    maxcpu: 64,
    cpu: 0.21,
    maxmem: 512 * GiB,
    mem: 201 * GiB,
    maxdisk: 100 * GiB,
    disk: 12 * GiB,
    uptime: 5_417_466,
    'cgroup-mode': 2,
  };
}

function storageResourceItem(node: string): Record<string, unknown> {
  return {
    id: `storage/${node}/local-lvm`,
    type: 'storage',
    node,
    storage: 'local-lvm',
    plugintype: 'lvmthin',
    content: 'images,rootdir',
    shared: 0,
    status: 'available',
    maxdisk: 3_800 * GiB,
    disk: 1_200 * GiB,
  };
}

/** `GET /cluster/resources?type=vm`: every guest of the fleet. */
export function clusterResourcesVmBody(fleet: GuestFleet): Buffer {
  return envelope(fleet.guests.map(clusterResourceItem));
}

/**
 * `GET /cluster/resources`: guests, nodes and storages, in the order pve-manager `PVE/API2/Cluster.pm` `resources`
 * lists them (what hvc's listing reads: the guests and the node entries that tell nodes down, in one request).
 */
export function clusterResourcesBody(fleet: GuestFleet): Buffer {
  return envelope([
    ...fleet.guests.map(clusterResourceItem),
    ...fleet.nodes.map(nodeResourceItem),
    ...fleet.nodes.map(storageResourceItem),
  ]);
}

/** `GET /cluster/resources?type=node`: the node entries alone (what a listing reads to tell nodes that are down). */
export function clusterResourcesNodeBody(fleet: GuestFleet): Buffer {
  return envelope(fleet.nodes.map(nodeResourceItem));
}

/** `GET /nodes/{node}/qemu` or `/lxc`: that node's guests of one type, as the per-node index lists them. */
export function nodeGuestListBody(fleet: GuestFleet, node: string, type: FleetGuest['type']): Buffer {
  const items = fleet.guests
    .filter((guest) => guest.node === node && guest.type === type)
    .map((guest) => {
      const { id: _id, node: _node, maxcpu, ...rest } = clusterResourceItem(guest);
      const item: Record<string, unknown> = { ...rest, cpus: maxcpu };
      if (guest.running) item.pid = 10_000 + guest.vmid;
      if (type === 'lxc') {
        item.maxswap = 512 * MiB;
        item.swap = 0;
      }
      return item;
    });
  return envelope(items);
}

/** `GET /nodes`: the cluster's nodes. */
export function nodesBody(fleet: GuestFleet): Buffer {
  return envelope(
    fleet.nodes.map((node) => ({
      ...nodeResourceItem(node),
      ssl_fingerprint:
        '94:BC:30:C3:88:40:C9:69:F6:21:29:5B:E6:90:DA:B0:89:8C:AA:10:80:2B:1E:4F:93:BE:79:DB:C7:C0:1C:F2',
    })),
  );
}

/** `GET /cluster/status`: the cluster entry and one entry per node. */
export function clusterStatusBody(fleet: GuestFleet): Buffer {
  return envelope([
    { type: 'cluster', id: 'cluster', name: 'bench', nodes: fleet.nodes.length, quorate: 1, version: 32 },
    ...fleet.nodes.map((node, i) => ({
      type: 'node',
      id: `node/${node}`,
      name: node,
      nodeid: i + 1,
      ip: `192.0.2.${i + 1}`,
      online: 1,
      local: i === 0 ? 1 : 0,
      level: '',
    })),
  ]);
}

/** `GET /version`. */
export function versionBody(): Buffer {
  return envelope({ version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d' });
}

function blockstat(): Record<string, unknown> {
  return {
    wr_highest_offset: 21_474_836_480,
    rd_merged: 0,
    invalid_rd_operations: 0,
    wr_bytes: 345_678_901,
    invalid_wr_operations: 0,
    failed_wr_operations: 0,
    wr_operations: 123_456,
    failed_flush_operations: 0,
    rd_total_time_ns: 98_765_432_100,
    flush_operations: 4_567,
    account_failed: true,
    flush_total_time_ns: 1_234_567_890,
    unmap_bytes: 0,
    account_invalid: true,
    failed_unmap_operations: 0,
    invalid_unmap_operations: 0,
    failed_rd_operations: 0,
    unmap_operations: 0,
    unmap_merged: 0,
    wr_total_time_ns: 87_654_321_000,
    invalid_flush_operations: 0,
    unmap_total_time_ns: 0,
    timed_stats: [],
    rd_operations: 234_567,
    wr_merged: 0,
    rd_bytes: 456_789_012,
    idle_time_ns: 1_234_567,
  };
}

/** `GET /nodes/{node}/{qemu|lxc}/{vmid}/status/current`, shaped like a PVE 8 answer (≈2.5 KB for a VM). */
export function guestStatusBody(guest: FleetGuest): Buffer {
  const running = guest.running;
  const flavour = flavourOf(guest);
  const common: Record<string, unknown> = {
    vmid: guest.vmid,
    name: guest.name,
    status: running ? 'running' : 'stopped',
    cpus: flavour.cpus,
    cpu: running ? 0.0123 : 0,
    maxmem: flavour.maxmem,
    mem: running ? 1_234_567_890 : 0,
    maxdisk: flavour.maxdisk,
    disk: 0,
    uptime: running ? 864_000 : 0,
    netin: running ? 987_654_321 : 0,
    netout: running ? 123_456_789 : 0,
    diskread: running ? 456_789_012 : 0,
    diskwrite: running ? 345_678_901 : 0,
    ha: { managed: 0 },
    tags: 'prod;team-a',
  };
  if (running) common.pid = 10_000 + guest.vmid;
  if (guest.type === 'lxc') {
    return envelope({ ...common, type: 'lxc', maxswap: 512 * MiB, swap: 0 });
  }
  return envelope({
    ...common,
    qmpstatus: running ? 'running' : 'stopped',
    agent: 1,
    'running-machine': 'pc-i440fx-8.1+pve0',
    'running-qemu': '8.1.5',
    balloon: 8 * GiB,
    freemem: 6_543_210_987,
    memhost: 1_300_000_000,
    ballooninfo: {
      actual: 8 * GiB,
      max_mem: 8 * GiB,
      total_mem: 8_323_010_560,
      free_mem: 6_543_210_987,
      major_page_faults: 1_234,
      minor_page_faults: 9_876_543,
      mem_swapped_in: 0,
      mem_swapped_out: 0,
      last_update: 1_732_350_000,
    },
    blockstat: { scsi0: blockstat(), ide2: blockstat() },
    nics: { [`tap${guest.vmid}i0`]: { netin: 987_654_321, netout: 123_456_789 } },
    'proxmox-support': {
      'pbs-dirty-bitmap': true,
      'pbs-dirty-bitmap-migration': true,
      'pbs-dirty-bitmap-savevm': true,
      'pbs-library-version': '1.4.1 (UNKNOWN)',
      'pbs-masterkey': true,
      'query-bitmap-info': true,
      'backup-max-workers': true,
    },
  });
}

/** The fields PVE decodes from a task's UPID, as its task status and task list report them. */
function taskFields(upid: string, node: string, type: string, id: string): Record<string, unknown> {
  const parts = upid.split(':');
  return {
    upid,
    node,
    pid: Number.parseInt(parts[2] ?? '0', 16),
    pstart: Number.parseInt(parts[3] ?? '0', 16),
    starttime: Number.parseInt(parts[4] ?? '0', 16),
    type,
    id,
    user: 'root@pam',
    tokenid: 'bench',
  };
}

/** `GET /nodes/{node}/tasks/{upid}/status` for a task that is still running or has ended with `OK`. */
export function taskStatusBody(upid: string, node: string, type: string, id: string, ended: boolean): Buffer {
  const fields = taskFields(upid, node, type, id);
  return envelope(
    ended ? { ...fields, status: 'stopped', exitstatus: 'OK' } : { ...fields, status: 'running' },
  );
}

/**
 * One item of `GET /nodes/{node}/tasks`: `RUNNING` while it runs; once ended, its exit status (`OK`, as a status read
 * gives it in `exitstatus`) and its `endtime` (unix seconds).
 */
export function taskListItem(
  upid: string,
  node: string,
  type: string,
  id: string,
  endtime: number | undefined,
): Record<string, unknown> {
  const fields = taskFields(upid, node, type, id);
  return endtime === undefined ? { ...fields, status: 'RUNNING' } : { ...fields, status: 'OK', endtime };
}

/** `GET /nodes/{node}/tasks/{upid}/log` of a task that ended with `OK`. */
export function taskLogBody(): Buffer {
  return Buffer.from(JSON.stringify({ data: [{ n: 1, t: 'TASK OK' }], total: 1 }), 'utf8');
}
