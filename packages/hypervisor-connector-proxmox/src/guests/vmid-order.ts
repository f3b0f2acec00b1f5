import type { PveClusterResource } from '../schemas/cluster.js';

/** 2^21: a listing's index fits below it, so `vmid * INDEX_SPAN + index` stays an exact double for any VMID < 2^31. */
const INDEX_SPAN = 2 ** 21;
const MAX_PACKED_VMID = 2 ** 31;

/**
 * Sorts `items` in place by `vmidOf`, ascending; items with the same VMID keep their order. Each VMID is read once:
 * PVE lists guests in Perl hash order (pve-manager `PVE/API2/Cluster.pm` `resources` walks `keys %$idlist`), so
 * sorting with a comparator reads two VMIDs for each of n·log n comparisons. When every VMID is an integer in
 * [0, 2^31) (PVE's are 100 to 999,999,999) the keys are packed with the item's index into one double each and
 * sorted natively; a listing already in order is left as it is. Any other VMID (NaN from a malformed id) falls back
 * to the comparator, which orders as before.
 */
export function sortByVmid(
  items: PveClusterResource[],
  vmidOf: (item: PveClusterResource) => number,
): PveClusterResource[] {
  const count = items.length;
  if (count >= INDEX_SPAN) return items.sort((a, b) => vmidOf(a) - vmidOf(b));
  const keys = new Float64Array(count);
  let ordered = true;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const vmid = vmidOf(items[i] as PveClusterResource);
    if (!(Number.isInteger(vmid) && vmid >= 0 && vmid < MAX_PACKED_VMID)) {
      return items.sort((a, b) => vmidOf(a) - vmidOf(b));
    }
    if (vmid < previous) ordered = false;
    previous = vmid;
    keys[i] = vmid * INDEX_SPAN + i;
  }
  if (ordered) return items;
  keys.sort();
  const before = items.slice();
  for (let i = 0; i < count; i++) items[i] = before[(keys[i] as number) % INDEX_SPAN] as PveClusterResource;
  return items;
}
