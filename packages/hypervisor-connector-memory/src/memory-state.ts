import type { GuestType } from '@hvc/hypervisor-connector';
import { macAddressFor } from './guest-devices.js';
import type { GuestRecord } from './guest-record.js';
import type { MemoryGuestSeed } from './memory-config.js';
import { type ErrorOrigin, guestNotFound, lockedConflict, nodeNotFound } from './memory-errors.js';

/** The first number guest ids count from. */
export const FIRST_VMID = 100;

/** The guests and nodes of one memory connector. Guest ids are `vm/<n>` and `container/<n>`, one counter for both. */
export class MemoryState {
  readonly nodes: readonly string[];
  private readonly guests = new Map<string, GuestRecord>();
  private nextVmid = FIRST_VMID;

  constructor(nodes: readonly string[], seeds: readonly MemoryGuestSeed[], nowMs: number) {
    this.nodes = [...nodes];
    for (const seed of seeds) this.add(seedRecord(this.allocateId(seed.type), seed, this.nodes[0]!, nowMs));
  }

  /** Reserves the next guest id for a guest of `type`. Ids are never reused. */
  allocateId(type: GuestType): { id: string; vmid: number } {
    const vmid = this.nextVmid++;
    return { id: `${type}/${vmid}`, vmid };
  }

  /** Adds a guest (its id comes from {@link MemoryState.allocateId}). */
  add(record: GuestRecord): void {
    this.guests.set(record.id, record);
  }

  /** Forgets a guest; unknown ids are ignored. */
  remove(guestId: string): void {
    this.guests.delete(guestId);
  }

  /** The guest, or NOT_FOUND. */
  guest(guestId: string, from: ErrorOrigin): GuestRecord {
    const record = this.guests.get(guestId);
    if (record === undefined) throw guestNotFound(guestId, from);
    return record;
  }

  /** The guest, or NOT_FOUND; CONFLICT (retryable) while an operation holds its lock. */
  unlockedGuest(guestId: string, from: ErrorOrigin): GuestRecord {
    const record = this.guest(guestId, from);
    if (record.lock !== undefined) throw lockedConflict(record, from);
    return record;
  }

  /** NOT_FOUND unless the target has `node`. */
  requireNode(node: string, from: ErrorOrigin): void {
    if (!this.nodes.includes(node)) throw nodeNotFound(node, from);
  }

  /** Every guest, by ascending number. */
  list(): GuestRecord[] {
    return [...this.guests.values()].sort((a, b) => a.vmid - b.vmid);
  }

  /** The guest, or `undefined`. */
  find(guestId: string): GuestRecord | undefined {
    return this.guests.get(guestId);
  }

  /** The linked clones made from `templateId`. */
  linkedClonesOf(templateId: string): GuestRecord[] {
    return [...this.guests.values()].filter((guest) => guest.linkedFrom === templateId);
  }
}

function seedRecord(
  { id, vmid }: { id: string; vmid: number },
  seed: MemoryGuestSeed,
  defaultNode: string,
  nowMs: number,
): GuestRecord {
  const state = seed.state ?? 'stopped';
  return {
    id,
    vmid,
    type: seed.type,
    node: seed.node ?? defaultNode,
    state,
    template: seed.template ?? false,
    ...(seed.pool === undefined ? {} : { pool: seed.pool }),
    config: {
      name: seed.name,
      cpus: seed.cpus ?? 1,
      memoryMiB: seed.memoryMiB ?? 512,
      tags: [...(seed.tags ?? [])],
      ...(seed.description === undefined ? {} : { description: seed.description }),
      disks: [{ sizeGiB: seed.diskGiB ?? 8, slot: seed.type === 'vm' ? 'scsi0' : 'rootfs', boot: true }],
      nics: [{ bridge: 'vmbr0', slot: 'net0', macAddress: macAddressFor(vmid, 0) }],
      settings: {},
    },
    snapshots: [],
    ...(state === 'running' ? { runningSinceMs: nowMs } : {}),
  };
}
