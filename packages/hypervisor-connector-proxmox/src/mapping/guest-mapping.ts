import type { Guest, GuestState } from '@hvc/hypervisor-connector';
import type { PveClusterResource } from '../schemas/cluster.js';
import type { PveGuestStatus } from '../schemas/guests.js';
import { guestIdOf, type PveGuestType } from './guest-id.js';
import type { SplitConfig } from './pending-config.js';

const MIB = 1024 * 1024;
const OTHER_TAG_SEPARATORS = /[,\s]/;

/**
 * QEMU run states (qapi `RunState`) in which the VM's CPUs are held while QEMU lives: PVE reports `status: running`
 * with one of them as `qmpstatus`. qemu-server `src/PVE/QemuServer.pm` `vm_is_paused` counts `prelaunch` as paused
 * as well as `paused`; the others stop the guest the same way until `cont` (resume) or a restart.
 */
const HELD_QMP_STATES = new Set([
  'paused',
  'prelaunch',
  'io-error',
  'internal-error',
  'postmigrate',
  'inmigrate',
  'finish-migrate',
  'restore-vm',
  'save-vm',
  'guest-panicked',
  'watchdog',
  'debug',
]);

/**
 * Maps PVE's guest status (and QEMU's QMP run state) onto the contract's states. `/cluster/resources` carries the QMP
 * state itself as `status` (pve-manager `PVE/Service/pvestatd.pm` `update_qemu_status`), as of pvestatd's last round
 * up to 10 s ago; `status/current` says `running` and only its `qmpstatus` tells a paused VM.
 */
export function guestState(status: string | undefined, qmpStatus?: string): GuestState {
  const state = status === 'running' && qmpStatus ? qmpStatus : status;
  if (state === 'running' || state === 'stopped' || state === 'suspended') return state;
  return state !== undefined && HELD_QMP_STATES.has(state) ? 'paused' : 'unknown';
}

/** PVE tags are one string joined by `;` (or `,` and spaces on input). */
export function parseTags(tags: string | undefined): string[] {
  if (!tags) return [];
  // PVE sends `;`-joined tags: split on the character unless the other separators occur.
  const parts = OTHER_TAG_SEPARATORS.test(tags) ? tags.split(/[;,\s]+/) : tags.split(';');
  return parts.filter((tag) => tag.length > 0);
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** The usage of a guest that uses nothing (a stopped guest, as PVE reports it): one frozen object for all of them. */
const NO_USAGE: Guest['usage'] = Object.freeze({
  cpu: 0,
  memoryBytes: 0,
  diskBytes: 0,
  uptimeSeconds: 0,
  netInBytes: 0,
  netOutBytes: 0,
});

/**
 * Values the guests of one listing share when they are equal: a fleet's guests come in a few sizes (flavours,
 * templates) and carry a few tag sets, so each equal tag list and each equal resources record is held once, frozen,
 * instead of once per guest. Guests are read-only values of the contract, so sharing is invisible to a caller; a
 * listing's values are never shared with another listing's.
 */
export class ListingValues {
  readonly #tags = new Map<string, readonly string[]>();
  // Keyed by number, level by level: no key string is built per guest.
  readonly #resources = new Map<number, Map<number, Map<number | undefined, Guest['resources']>>>();

  /** The tag list of PVE's tag string `tags`. */
  tags(tags: string | undefined): readonly string[] {
    if (!tags) return NO_TAGS;
    let list = this.#tags.get(tags);
    if (list === undefined) {
      list = Object.freeze(parseTags(tags));
      this.#tags.set(tags, list);
    }
    return list;
  }

  /** The resources record of these figures. */
  resources(cpus: number, memoryBytes: number, diskBytes: number | undefined): Guest['resources'] {
    let byMemory = this.#resources.get(cpus);
    if (byMemory === undefined) {
      byMemory = new Map();
      this.#resources.set(cpus, byMemory);
    }
    let byDisk = byMemory.get(memoryBytes);
    if (byDisk === undefined) {
      byDisk = new Map();
      byMemory.set(memoryBytes, byDisk);
    }
    let resources = byDisk.get(diskBytes);
    if (resources === undefined) {
      resources = Object.freeze(
        diskBytes === undefined ? { cpus, memoryBytes } : { cpus, memoryBytes, diskBytes },
      );
      byDisk.set(diskBytes, resources);
    }
    return resources;
  }
}

/** The VMID of a guest's `/cluster/resources` item (from its id, `qemu/100`, should PVE leave `vmid` out). */
export function vmidOf(item: PveClusterResource): number {
  return item.vmid ?? Number(item.id.slice(item.id.indexOf('/') + 1));
}

/**
 * A guest from its `/cluster/resources` item; `raw` is the item itself (normalised, not copied). An item without
 * pvestatd's RRD row (no name, `maxcpu`, `maxmem`; `status: 'unknown'`) takes those from the guest's own status record
 * when one was read (`own`). Without one (its node could not be read either) nothing says what the guest has: it is
 * listed `unknown`, with zero resources and its id for a name, and `raw` is PVE's bare entry. `shared` holds the
 * values the guests of one listing share (tag lists, resources records); without it each guest gets its own.
 */
export function guestFromResource(
  item: PveClusterResource,
  own?: PveGuestStatus,
  shared?: ListingValues,
): Guest {
  const type = item.type as PveGuestType;
  const vmid = vmidOf(item);
  const id = isIdOf(item.id, type, vmid) ? item.id : guestIdOf(type, vmid);
  const cpus = item.maxcpu ?? own?.cpus ?? 0;
  const memoryBytes = item.maxmem ?? own?.maxmem ?? 0;
  const diskBytes = item.maxdisk ?? own?.maxdisk;
  // Whole object literals where the fields are all there (the usual case): each object is allocated once at its
  // final size, instead of growing a second property store for the members added one by one.
  const resources: Guest['resources'] = shared
    ? shared.resources(cpus, memoryBytes, diskBytes)
    : diskBytes === undefined
      ? { cpus, memoryBytes }
      : { cpus, memoryBytes, diskBytes };
  const guest: Mutable<Guest> = {
    id,
    type: type === 'qemu' ? 'vm' : 'container',
    name: item.name ?? own?.name ?? id,
    node: item.node ?? '',
    state: own && item.status === 'unknown' ? guestState(own.status, own.qmpstatus) : guestState(item.status),
    template: item.template ?? own?.template ?? false,
    tags: shared ? shared.tags(item.tags) : item.tags ? parseTags(item.tags) : NO_TAGS,
    resources,
    usage: usageOf(own && item.uptime === undefined ? own : item),
    raw: item,
  };
  if (item.lock) guest.lock = item.lock;
  if (item.pool) guest.pool = item.pool;
  return guest;
}

/** Whether `id` is exactly `{type}/{vmid}` (as PVE writes it), checked without building that string. */
function isIdOf(id: string, type: string, vmid: number): boolean {
  const digitsAt = type.length + 1;
  if (
    id.length <= digitsAt ||
    id.length > digitsAt + 15 ||
    !id.startsWith(type) ||
    id.charCodeAt(type.length) !== 47
  ) {
    return false;
  }
  // No leading zero (`qemu/0100` is not the id PVE writes for 100), digits only, the same number.
  if (id.charCodeAt(digitsAt) === 48 && id.length > digitsAt + 1) return false;
  let value = 0;
  for (let i = digitsAt; i < id.length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    value = value * 10 + digit;
  }
  return value === vmid;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The usage figures PVE reported (status and resource records name them alike). */
function usageOf(record: {
  readonly cpu?: number | undefined;
  readonly mem?: number | undefined;
  readonly disk?: number | undefined;
  readonly uptime?: number | undefined;
  readonly netin?: number | undefined;
  readonly netout?: number | undefined;
}): Guest['usage'] {
  const { cpu, mem, disk, uptime, netin, netout } = record;
  if (
    cpu !== undefined &&
    mem !== undefined &&
    disk !== undefined &&
    uptime !== undefined &&
    netin !== undefined &&
    netout !== undefined
  ) {
    if (cpu === 0 && mem === 0 && disk === 0 && uptime === 0 && netin === 0 && netout === 0) return NO_USAGE;
    return {
      cpu,
      memoryBytes: mem,
      diskBytes: disk,
      uptimeSeconds: uptime,
      netInBytes: netin,
      netOutBytes: netout,
    };
  }
  const usage: Mutable<Guest['usage']> = {};
  if (cpu !== undefined) usage.cpu = cpu;
  if (mem !== undefined) usage.memoryBytes = mem;
  if (disk !== undefined) usage.diskBytes = disk;
  if (uptime !== undefined) usage.uptimeSeconds = uptime;
  if (netin !== undefined) usage.netInBytes = netin;
  if (netout !== undefined) usage.netOutBytes = netout;
  return usage;
}

/** The configured memory of a guest in MiB: a number, or since PVE 8.1 a property string (`2048`, `current=2048`). */
export function configMemoryMiB(memory: number | string | undefined): number | undefined {
  if (memory === undefined) return undefined;
  if (typeof memory === 'number') return memory;
  const match = /(?:^|,)(?:current=)?(\d+)(?:,|$)/.exec(memory);
  return match ? Number(match[1]) : undefined;
}

/**
 * A guest from its node-level status and config (what `getGuest` reads). `raw` is the status record itself,
 * taken over (not copied), with the config under `config` and the config's `digest` for `updateGuest({ ifMatch })`.
 * The resources are the current section's (what the guest runs with); changes waiting for its next start are under
 * `raw.pending` (key → value) and `raw.pendingDelete` (keys), when there are any.
 */
export function guestFromStatus(
  type: PveGuestType,
  node: string,
  status: PveGuestStatus,
  split: SplitConfig,
  pool: string | undefined,
): Guest {
  const config = split.current;
  const vmid = status.vmid;
  const cores = config.cores ?? 1;
  const sockets = type === 'qemu' ? (config.sockets ?? 1) : 1;
  const memoryMiB = configMemoryMiB(config.memory);
  const lock = status.lock ?? config.lock;
  const name = (type === 'qemu' ? config.name : config.hostname) ?? status.name;
  const resources: Mutable<Guest['resources']> = {
    cpus: status.cpus ?? cores * sockets,
    memoryBytes: memoryMiB === undefined ? (status.maxmem ?? 0) : memoryMiB * MIB,
  };
  if (status.maxdisk !== undefined) resources.diskBytes = status.maxdisk;
  // The status record read for this call becomes `raw` itself (no copy of its ~40 members).
  const raw: Record<string, unknown> = status;
  if (config.digest) raw.digest = config.digest;
  raw.config = config;
  if (Object.keys(split.pending).length > 0) raw.pending = split.pending;
  if (split.deletes.length > 0) raw.pendingDelete = split.deletes;
  const guest: Mutable<Guest> = {
    id: guestIdOf(type, vmid),
    type: type === 'qemu' ? 'vm' : 'container',
    name: name ?? `${type === 'qemu' ? 'VM' : 'CT'} ${vmid}`,
    node,
    state: guestState(status.status, status.qmpstatus),
    template: status.template ?? config.template ?? false,
    tags: parseTags(config.tags ?? status.tags),
    resources,
    usage: usageOf(status),
    raw,
  };
  if (lock) guest.lock = lock;
  if (pool) guest.pool = pool;
  return guest;
}
