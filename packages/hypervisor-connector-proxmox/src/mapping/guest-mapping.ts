import type { Guest, GuestState } from '@hvc/hypervisor-connector';
import type { PveClusterResource } from '../schemas/cluster.js';
import type { PveGuestConfig, PveGuestStatus } from '../schemas/guests.js';
import { guestIdOf, type PveGuestType } from './guest-id.js';

const MIB = 1024 * 1024;

/** Maps PVE's guest status (and QEMU's QMP run state) onto the contract's states. */
export function guestState(status: string | undefined, qmpStatus?: string): GuestState {
  const state = status === 'running' && qmpStatus ? qmpStatus : status;
  switch (state) {
    case 'running':
      return 'running';
    case 'stopped':
      return 'stopped';
    case 'paused':
      return 'paused';
    case 'suspended':
      return 'suspended';
    default:
      return 'unknown';
  }
}

/** PVE tags are one string joined by `;` (or `,` and spaces on input). */
export function parseTags(tags: string | undefined): string[] {
  return (tags ?? '').split(/[;,\s]+/).filter((tag) => tag.length > 0);
}

/** A guest from its `/cluster/resources` item. */
export function guestFromResource(item: PveClusterResource): Guest {
  const type = item.type as PveGuestType;
  const vmid = item.vmid ?? Number(item.id.split('/')[1]);
  return {
    id: guestIdOf(type, vmid),
    type: type === 'qemu' ? 'vm' : 'container',
    name: item.name ?? `${type === 'qemu' ? 'VM' : 'CT'} ${vmid}`,
    node: item.node ?? '',
    state: guestState(item.status),
    template: item.template ?? false,
    ...(item.lock ? { lock: item.lock } : {}),
    tags: parseTags(item.tags),
    ...(item.pool ? { pool: item.pool } : {}),
    resources: {
      cpus: item.maxcpu ?? 0,
      memoryBytes: item.maxmem ?? 0,
      ...(item.maxdisk === undefined ? {} : { diskBytes: item.maxdisk }),
    },
    usage: {
      ...(item.cpu === undefined ? {} : { cpu: item.cpu }),
      ...(item.mem === undefined ? {} : { memoryBytes: item.mem }),
      ...(item.disk === undefined ? {} : { diskBytes: item.disk }),
      ...(item.uptime === undefined ? {} : { uptimeSeconds: item.uptime }),
      ...(item.netin === undefined ? {} : { netInBytes: item.netin }),
      ...(item.netout === undefined ? {} : { netOutBytes: item.netout }),
    },
    raw: item,
  };
}

/** The configured memory of a guest in MiB: a number, or since PVE 8.1 a property string (`2048`, `current=2048`). */
export function configMemoryMiB(memory: number | string | undefined): number | undefined {
  if (memory === undefined) return undefined;
  if (typeof memory === 'number') return memory;
  const match = /(?:^|,)(?:current=)?(\d+)(?:,|$)/.exec(memory);
  return match ? Number(match[1]) : undefined;
}

/**
 * A guest from its node-level status and config (what `getGuest` reads). `raw` holds the status record, the
 * config under `config`, and the config's `digest` for `updateGuest({ ifMatch })`.
 */
export function guestFromStatus(
  type: PveGuestType,
  node: string,
  status: PveGuestStatus,
  config: PveGuestConfig,
  pool: string | undefined,
): Guest {
  const vmid = status.vmid;
  const cores = config.cores ?? 1;
  const sockets = type === 'qemu' ? (config.sockets ?? 1) : 1;
  const memoryMiB = configMemoryMiB(config.memory);
  const lock = status.lock ?? config.lock;
  const name = (type === 'qemu' ? config.name : config.hostname) ?? status.name;
  return {
    id: guestIdOf(type, vmid),
    type: type === 'qemu' ? 'vm' : 'container',
    name: name ?? `${type === 'qemu' ? 'VM' : 'CT'} ${vmid}`,
    node,
    state: guestState(status.status, status.qmpstatus),
    template: status.template ?? config.template ?? false,
    ...(lock ? { lock } : {}),
    tags: parseTags(config.tags ?? status.tags),
    ...(pool ? { pool } : {}),
    resources: {
      cpus: status.cpus ?? cores * sockets,
      memoryBytes: memoryMiB === undefined ? (status.maxmem ?? 0) : memoryMiB * MIB,
      ...(status.maxdisk === undefined ? {} : { diskBytes: status.maxdisk }),
    },
    usage: {
      ...(status.cpu === undefined ? {} : { cpu: status.cpu }),
      ...(status.mem === undefined ? {} : { memoryBytes: status.mem }),
      ...(status.disk === undefined ? {} : { diskBytes: status.disk }),
      ...(status.uptime === undefined ? {} : { uptimeSeconds: status.uptime }),
      ...(status.netin === undefined ? {} : { netInBytes: status.netin }),
      ...(status.netout === undefined ? {} : { netOutBytes: status.netout }),
    },
    raw: { ...status, ...(config.digest ? { digest: config.digest } : {}), config },
  };
}
