import { describe, expect, it } from 'vitest';
import { sortByVmid } from '../src/guests/vmid-order.js';
import { vmidOf } from '../src/mapping/guest-mapping.js';
import type { PveClusterResource } from '../src/schemas/cluster.js';

const entry = (id: string, vmid?: number): PveClusterResource =>
  (vmid === undefined
    ? { id, type: id.split('/')[0] }
    : { id, type: id.split('/')[0], vmid }) as PveClusterResource;

/** A fixed shuffle (PVE lists guests in Perl hash order). */
function shuffled<T>(values: readonly T[]): T[] {
  const out = [...values];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 48271) % 2147483647;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('sortByVmid', () => {
  it('orders a shuffled listing by VMID, in place, reading each VMID once', () => {
    const sorted = Array.from({ length: 3_000 }, (_, i) =>
      entry(`${i % 2 ? 'lxc' : 'qemu'}/${100 + i * 7}`, 100 + i * 7),
    );
    const items = shuffled(sorted);
    expect(items).not.toEqual(sorted);
    let reads = 0;
    const result = sortByVmid(items, (item) => {
      reads++;
      return vmidOf(item);
    });
    expect(result).toBe(items);
    expect(items).toEqual(sorted);
    expect(items[0]).toBe(sorted[0]);
    expect(reads).toBe(sorted.length);
  });

  it('takes the VMID from the id when the entry has none, up to 999,999,999, and keeps equal VMIDs in order', () => {
    const first = entry('qemu/500');
    const second = entry('lxc/500', 500);
    const items = [entry('qemu/999999999'), first, entry('lxc/100', 100), second];
    sortByVmid(items, vmidOf);
    expect(items.map((item) => item.id)).toEqual(['lxc/100', 'qemu/500', 'lxc/500', 'qemu/999999999']);
    expect(items[1]).toBe(first);
    expect(items[2]).toBe(second);
  });

  it('orders as a comparator does when a VMID is not a whole number (a malformed id)', () => {
    const items = [entry('qemu/300', 300), entry('qemu/x'), entry('qemu/200', 200), entry('qemu/1.5')];
    const expected = [...items].sort((a, b) => vmidOf(a) - vmidOf(b));
    sortByVmid(items, vmidOf);
    expect(items).toEqual(expected);
  });
});
