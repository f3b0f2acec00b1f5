import { describe, expect, it } from 'vitest';
import { ListingShapes } from '../src/guests/listing-shapes.js';

/** `/cluster/resources` entries as PVE groups them: guests, then nodes, then storages. */
function entries(guests: number, nodes: number): { type: string; id: string }[] {
  return [
    ...Array.from({ length: guests }, (_, i) => ({ type: i % 5 === 4 ? 'lxc' : 'qemu', id: `g${i}` })),
    ...Array.from({ length: nodes }, (_, i) => ({ type: 'node', id: `node/pve${i}` })),
    ...Array.from({ length: nodes }, (_, i) => ({ type: 'storage', id: `storage/pve${i}/local` })),
  ];
}

describe('the shapes kept of a listing', () => {
  it('keep a bounded sample of the entries, with the first of every run of one type', () => {
    const shapes = new ListingShapes();
    const listed = [
      ...Array.from({ length: 100 }, (_, i) => ({ type: 'qemu', id: `qemu/${100 + i}` })),
      { type: 'node', id: 'node/pve1' },
      { type: 'node', id: 'node/pve2' },
      { type: 'storage', id: 'storage/pve1/local' },
    ];
    shapes.keepEntries(listed);
    // Every 32nd (0, 32, 64, 96), and the first node and the first storage.
    expect(shapes.size).toBe(6);
  });

  it('keep about one entry in 32 of a large listing', () => {
    const shapes = new ListingShapes();
    const listed = entries(10_000, 32);
    shapes.keepEntries(listed);
    expect(shapes.size).toBeGreaterThan(listed.length / 32);
    // Guest types alternate every few entries here, so runs add to the stride: still a small part of the listing.
    expect(shapes.size).toBeLessThan(listed.length / 2);
  });

  it('keep the first guest with a lock and with a pool, and the values the guests share', () => {
    const shapes = new ListingShapes();
    const guests = Array.from({ length: 64 }, (_, i) => ({ type: 'vm', id: `qemu/${100 + i}` }));
    const listed: { type: string; id: string; lock?: string; pool?: string }[] = [
      ...guests,
      { type: 'vm', id: 'qemu/900', lock: 'backup' },
      { type: 'vm', id: 'qemu/901', pool: 'web' },
    ];
    shapes.keepGuests(listed, {});
    // Entries 0, 32 and 64 (the locked guest, kept once) by stride, the pooled guest, and the shared values.
    expect(shapes.size).toBe(5);
  });

  it('hold only the last listing: each keeps replaces the sample before it', () => {
    const shapes = new ListingShapes();
    shapes.keepEntries(entries(1_000, 4));
    const large = shapes.size;
    shapes.keepEntries([{ type: 'qemu' }]);
    expect(large).toBeGreaterThan(1);
    expect(shapes.size).toBe(1);
    shapes.keepGuests([{ type: 'vm' }], {});
    shapes.keepGuests([], {});
    expect(shapes.size).toBe(2);
  });
});
