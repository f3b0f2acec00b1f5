import type { FakeEnv } from '../fake-env.js';
import { cpuCount, maxDisk, maxMem, usage } from '../state/guest-metrics.js';
import type { PveGuestState } from '../state/model.js';
import { blockstat } from './qemu-blockstat.js';

/** Fields shared by list items, `status/current` and `/cluster/resources` entries. */
function common(env: FakeEnv, g: PveGuestState): Record<string, unknown> {
  const u = usage(g, env.clock.nowSeconds());
  const out: Record<string, unknown> = {
    vmid: g.vmid,
    name: String(
      g.type === 'qemu' ? (g.config.name ?? `VM ${g.vmid}`) : (g.config.hostname ?? `CT${g.vmid}`),
    ),
    status: g.status,
    cpus: cpuCount(g),
    cpu: u.cpu,
    maxmem: maxMem(g),
    mem: u.mem,
    maxdisk: maxDisk(g),
    disk: u.disk,
    uptime: u.uptime,
    netin: u.netin,
    netout: u.netout,
    diskread: u.diskread,
    diskwrite: u.diskwrite,
  };
  if (g.status === 'running' && g.pid !== undefined) out.pid = g.pid;
  if (g.config.lock !== undefined) out.lock = g.config.lock;
  if (g.config.tags !== undefined) out.tags = g.config.tags;
  if (g.config.template === 1) out.template = 1;
  if (g.type === 'lxc') {
    out.type = 'lxc';
    out.maxswap = Number(g.config.swap ?? 512) * 1024 * 1024;
    out.swap = 0;
  }
  return out;
}

/** An item of `GET /nodes/{node}/qemu` or `.../lxc`; `full` adds the QMP status of running VMs. */
export function guestListItem(env: FakeEnv, g: PveGuestState, full = false): Record<string, unknown> {
  const out = common(env, g);
  if (full && g.type === 'qemu' && g.status === 'running') out.qmpstatus = g.qmpstatus;
  return out;
}

/** `GET .../status/current`. */
export function guestCurrentStatus(env: FakeEnv, g: PveGuestState): Record<string, unknown> {
  // pve-ha-manager `PVE/HA/Config.pm` `get_service_status`; PVE 8 also names the group.
  const ha = g.ha
    ? { managed: 1, state: g.ha.managerState, ...(env.pveVersion === 8 ? { group: '' } : {}) }
    : { managed: 0 };
  const out = { ...common(env, g), ha } as Record<string, unknown>;
  if (g.type === 'qemu') {
    out.qmpstatus = g.status === 'running' ? g.qmpstatus : 'stopped';
    if (/(^|,)(enabled=)?1(,|$)/.test(String(g.config.agent ?? ''))) out.agent = 1;
    if (g.status === 'running') {
      const max = maxMem(g);
      out.balloon = max;
      out.ballooninfo = { actual: max, max_mem: max };
      out.nics = Object.fromEntries(
        Object.keys(g.config)
          .filter((k) => /^net\d+$/.test(k))
          .map((k) => [`tap${g.vmid}i${k.slice(3)}`, { netin: 0, netout: 0 }]),
      );
      out.blockstat = blockstat(g);
      out['running-machine'] = 'pc-i440fx-9.2+pve1';
      out['running-qemu'] = '9.2.0';
    }
  }
  return out;
}
