import type { Guest } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError } from '../expect-error.js';
import { expectStartedOperation } from './lifecycle.js';

/** A stopped guest with one snapshot, named `first`, taken by the case. */
async function guestWithSnapshot(ctx: CaseContext): Promise<Guest> {
  await ctx.requireCapability('snapshots');
  const guest = await ctx.createGuest();
  const operation = await ctx.connector.createSnapshot(guest.id, {
    name: 'first',
    description: 'kit snapshot',
  });
  expectStartedOperation(operation, 'snapshot.create', guest.id);
  await ctx.wait(operation);
  return guest;
}

const names = async (ctx: CaseContext, guestId: string) =>
  (await ctx.connector.listSnapshots(guestId)).map((s) => s.name);

/** Snapshots: create, list, roll back, delete, and their errors. */
export const snapshotCases: readonly ConformanceCase[] = [
  {
    id: 'snapshots.create-list',
    title: 'createSnapshot() adds a snapshot that listSnapshots() shows with its description',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await guestWithSnapshot(ctx);
      const snapshots = await ctx.connector.listSnapshots(guest.id);
      const first = snapshots.find((s) => s.name === 'first');
      expect(first, 'the new snapshot in the list').toBeDefined();
      expect(first?.description).toBe('kit snapshot');
      expect(first?.includesMemory).toBe(false);
      expect(snapshots.map((s) => s.name)).not.toContain('current');
    },
  },
  {
    id: 'snapshots.order',
    title: 'listSnapshots() lists snapshots oldest first',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await guestWithSnapshot(ctx);
      await ctx.wait(await ctx.connector.createSnapshot(guest.id, { name: 'second' }));
      expect(await names(ctx, guest.id)).toEqual(['first', 'second']);
    },
  },
  {
    id: 'snapshots.duplicate',
    title: 'createSnapshot() with a name in use throws ALREADY_EXISTS and changes nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await guestWithSnapshot(ctx);
      const before = await ctx.connector.listSnapshots(guest.id);
      await expectError(
        ctx.connector.createSnapshot(guest.id, { name: 'first' }),
        'ALREADY_EXISTS',
        'a second snapshot named "first"',
      );
      expect(await ctx.connector.listSnapshots(guest.id)).toEqual(before);
    },
  },
  {
    id: 'snapshots.rollback',
    title: 'rollbackSnapshot() returns an operation and restores the configuration of the snapshot',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await guestWithSnapshot(ctx);
      const caps = await ctx.capabilities();
      if (caps.update) {
        const change = await ctx.connector.updateGuest(guest.id, { cpus: guest.resources.cpus + 1 });
        if (change) await ctx.wait(change);
      }
      const operation = await ctx.connector.rollbackSnapshot(guest.id, 'first');
      expectStartedOperation(operation, 'snapshot.rollback', guest.id);
      await ctx.wait(operation);
      expect((await ctx.connector.getGuest(guest.id)).resources.cpus).toBe(guest.resources.cpus);
      expect(await names(ctx, guest.id)).toEqual(['first']);
    },
  },
  {
    id: 'snapshots.delete',
    title: 'deleteSnapshot() returns an operation and the snapshot is gone from the list',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await guestWithSnapshot(ctx);
      const operation = await ctx.connector.deleteSnapshot(guest.id, 'first');
      expectStartedOperation(operation, 'snapshot.delete', guest.id);
      await ctx.wait(operation);
      expect(await names(ctx, guest.id)).toEqual([]);
    },
  },
  {
    id: 'snapshots.unknown',
    title: 'rollbackSnapshot() and deleteSnapshot() of an unknown snapshot throw NOT_FOUND',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await guestWithSnapshot(ctx);
      await expectError(
        ctx.connector.rollbackSnapshot(guest.id, 'missing'),
        'NOT_FOUND',
        'rollback of "missing"',
      );
      await expectError(
        ctx.connector.deleteSnapshot(guest.id, 'missing'),
        'NOT_FOUND',
        'delete of "missing"',
      );
      expect(await names(ctx, guest.id)).toEqual(['first']);
    },
  },
];
