import { nodeParam, required, str } from '../params/param-spec.js';
import type { RouteContext, RouteDef } from '../router/route.js';
import { route } from '../router/route.js';
import { nodeSummary } from './node-summaries.js';
import { rrdSeries } from './rrd.js';

function nodes(ctx: RouteContext): unknown[] {
  return [...ctx.env.cluster.nodes.values()].map((n) => ({
    ...nodeSummary(ctx.env, n),
    ssl_fingerprint: ctx.env.sslFingerprint,
  }));
}

function nodeStatus(ctx: RouteContext): Record<string, unknown> {
  const node = ctx.env.cluster.requireNode(String(ctx.params.node));
  ctx.env.perms.check(ctx.who, `/nodes/${node.name}`, ['Sys.Audit']);
  const s = nodeSummary(ctx.env, node) as { mem: number; disk: number; uptime: number };
  const kernel = '6.14.8-2-pve';
  return {
    uptime: s.uptime,
    idle: 0,
    cpu: 0.03,
    wait: 0.001,
    loadavg: ['0.15', '0.25', '0.30'],
    kversion: `Linux ${kernel} #1 SMP PREEMPT_DYNAMIC PMX ${kernel} (2025-08-01T00:00Z)`,
    'current-kernel': {
      sysname: 'Linux',
      release: kernel,
      version: '#1 SMP PREEMPT_DYNAMIC PMX',
      machine: 'x86_64',
    },
    'boot-info': { mode: 'efi', secureboot: 0 },
    cpuinfo: {
      model: 'Fake CPU @ 3.00GHz',
      cores: node.maxcpu / 2,
      cpus: node.maxcpu,
      sockets: 1,
      mhz: '3000.000',
      flags: 'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr vmx',
      hvm: '1',
      user_hz: 100,
    },
    memory: { total: node.maxmem, used: s.mem, free: node.maxmem - s.mem, available: node.maxmem - s.mem },
    ksm: { shared: 0 },
    swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
    rootfs: { total: node.maxdisk, used: s.disk, free: node.maxdisk - s.disk, avail: node.maxdisk - s.disk },
    pveversion:
      ctx.env.pveVersion === 9 ? 'pve-manager/9.1.1/42ab4fa6c3fdd2b6' : 'pve-manager/8.2.4/faa83925c9641325',
  };
}

function nodeRrd(ctx: RouteContext): unknown[] {
  const node = ctx.env.cluster.requireNode(String(ctx.params.node));
  ctx.env.perms.check(ctx.who, `/nodes/${node.name}`, ['Sys.Audit']);
  return rrdSeries(ctx.env.clock.nowSeconds(), String(ctx.params.timeframe), (i) => ({
    cpu: 0.02 + (i % 7) * 0.001,
    maxcpu: node.maxcpu,
    iowait: 0.001,
    loadavg: 0.2,
    memtotal: node.maxmem,
    memused: node.maxmem * 0.25,
    swaptotal: 8 * 1024 ** 3,
    swapused: 0,
    roottotal: node.maxdisk,
    rootused: node.maxdisk * 0.12,
    netin: 1000 + i,
    netout: 800 + i,
  }));
}

/** `/nodes`, `/nodes/{node}`, `/nodes/{node}/status`, `/nodes/{node}/rrddata`. */
export function nodeRoutes(): RouteDef[] {
  return [
    route('GET', '/nodes', {}, nodes),
    route('GET', '/nodes/{node}', { node: nodeParam }, (ctx) => {
      ctx.env.cluster.requireNode(String(ctx.params.node));
      return ['qemu', 'lxc', 'storage', 'tasks', 'network', 'status', 'rrddata', 'version'].map((name) => ({
        name,
      }));
    }),
    route('GET', '/nodes/{node}/status', { node: nodeParam }, nodeStatus),
    route(
      'GET',
      '/nodes/{node}/rrddata',
      {
        node: nodeParam,
        timeframe: required(str({ enum: ['hour', 'day', 'week', 'month', 'year', 'decade'] })),
        cf: str({ enum: ['AVERAGE', 'MAX'] }),
      },
      nodeRrd,
    ),
  ];
}
