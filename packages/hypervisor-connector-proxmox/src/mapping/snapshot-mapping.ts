import type { Snapshot } from '@hvc/hypervisor-connector';
import type { PveSnapshot } from '../schemas/guests.js';

/** The snapshots of a guest, oldest first, without PVE's synthetic `current` entry. */
export function snapshotsFromPve(items: readonly PveSnapshot[]): Snapshot[] {
  return items
    .filter((item) => item.name !== 'current')
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (a.item.snaptime ?? Infinity) - (b.item.snaptime ?? Infinity) || a.index - b.index)
    .map(({ item }) => ({
      name: item.name,
      ...(item.description ? { description: item.description } : {}),
      ...(item.snaptime === undefined ? {} : { createdAt: new Date(item.snaptime * 1000).toISOString() }),
      ...(item.parent ? { parent: item.parent } : {}),
      includesMemory: item.vmstate ?? false,
      raw: item,
    }));
}
