import type { GuestConfig } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, expectInvalidField, fail } from '../expect-error.js';
import { findNetwork, GIB } from '../provisioning-support.js';
import { expectStartedOperation } from './lifecycle.js';

/** A stopped VM of the kit and its config. */
async function vmWithConfig(ctx: CaseContext): Promise<{ guestId: string; config: GuestConfig }> {
  await ctx.requireCapability('guestConfig');
  const guest = await ctx.createGuest({ type: 'vm' });
  return { guestId: guest.id, config: await ctx.connector.getGuestConfig(guest.id) };
}

/** A slot no device of `config` has, of a form no hypervisor uses, so the answer is NOT_FOUND. */
function unusedSlot(config: GuestConfig): string {
  const used = new Set([...config.disks, ...config.cdroms, ...config.nics].map((d) => d.slot));
  return ['kitslot7', 'kitslot8', 'kitslot9'].find((s) => !used.has(s)) ?? 'kitslot6';
}

/** Disk and NIC changes of an existing guest. */
export const deviceChangeCases: readonly ConformanceCase[] = [
  {
    id: 'disks.resize',
    title:
      'resizeDisk() grows a disk to an absolute size; the same size again changes nothing; a smaller one is INVALID_ARGUMENT sizeGiB; an unknown slot NOT_FOUND',
    needs: ['vmSpec'],
    async run(ctx) {
      await ctx.requireCapability('disks.resize');
      const { guestId, config } = await vmWithConfig(ctx);
      const disk = config.disks[0];
      if (disk === undefined) return ctx.skip('the fixture’s vmSpec makes a VM without a disk');
      const grown = Math.ceil(disk.sizeBytes / GIB) + 1;
      const operation = await ctx.connector.resizeDisk(guestId, disk.slot, { sizeGiB: grown });
      expectStartedOperation(operation, 'disk.resize', guestId);
      await ctx.wait(operation);
      const sizeOf = async () =>
        (await ctx.connector.getGuestConfig(guestId)).disks.find((d) => d.slot === disk.slot)?.sizeBytes;
      expect(await sizeOf(), 'after growing').toBe(grown * GIB);

      await ctx.wait(await ctx.connector.resizeDisk(guestId, disk.slot, { sizeGiB: grown }));
      expect(await sizeOf(), 'after resizing to the same size').toBe(grown * GIB);

      await expectInvalidField(
        ctx.connector.resizeDisk(guestId, disk.slot, { sizeGiB: grown - 0.5 }),
        'sizeGiB',
        'resizeDisk() to a smaller size',
      );
      expect(await sizeOf(), 'after a refused shrink').toBe(grown * GIB);
      await expectError(
        ctx.connector.resizeDisk(guestId, unusedSlot(config), { sizeGiB: grown + 1 }),
        'NOT_FOUND',
        'resizeDisk() of a slot without a disk',
      );
    },
  },
  {
    id: 'disks.add-remove',
    title: 'addDisk() adds a disk in the slot its operation names; removeDisk() of that slot removes it',
    needs: ['vmSpec'],
    async run(ctx) {
      await ctx.requireCapability('disks.add');
      await ctx.requireCapability('disks.remove');
      const { guestId, config } = await vmWithConfig(ctx);
      const operation = await ctx.connector.addDisk(guestId, { sizeGiB: 1 });
      expectStartedOperation(operation, 'disk.add', guestId);
      const done = await ctx.wait(operation);
      const slot = done.resourceId ?? operation.resourceId;
      if (slot === undefined) fail('the disk.add operation names no resourceId (the slot it took)');
      if (config.disks.some((d) => d.slot === slot)) fail(`addDisk() took slot ${slot}, which was in use`);
      const added = (await ctx.connector.getGuestConfig(guestId)).disks.find((d) => d.slot === slot);
      expect(added?.sizeBytes, `the disk in ${slot}`).toBe(GIB);

      const removal = await ctx.connector.removeDisk(guestId, slot);
      expectStartedOperation(removal, 'disk.remove', guestId);
      await ctx.wait(removal);
      const after = await ctx.connector.getGuestConfig(guestId);
      expect(after.disks.map((d) => d.slot)).toEqual(config.disks.map((d) => d.slot));
      await expectError(
        ctx.connector.removeDisk(guestId, slot),
        'NOT_FOUND',
        'removeDisk() of a removed disk',
      );
    },
  },
  {
    id: 'nics.add-remove',
    title:
      'addNic() adds a NIC on a network in the slot its operation names; removeNic() of that slot removes it',
    needs: ['vmSpec'],
    async run(ctx) {
      await ctx.requireCapability('nics.add');
      await ctx.requireCapability('nics.remove');
      const { guestId, config } = await vmWithConfig(ctx);
      const network =
        config.nics.find((n) => n.network !== undefined)?.network ??
        (await findNetwork(ctx, (await ctx.connector.getGuest(guestId)).node));
      const operation = await ctx.connector.addNic(guestId, { network });
      expectStartedOperation(operation, 'nic.add', guestId);
      const done = await ctx.wait(operation);
      const slot = done.resourceId ?? operation.resourceId;
      if (slot === undefined) fail('the nic.add operation names no resourceId (the slot it took)');
      if (config.nics.some((n) => n.slot === slot)) fail(`addNic() took slot ${slot}, which was in use`);
      const added = (await ctx.connector.getGuestConfig(guestId)).nics.find((n) => n.slot === slot);
      if (added === undefined) fail(`getGuestConfig() shows no NIC in ${slot}`);
      expect(added.network).toBe(network);

      const removal = await ctx.connector.removeNic(guestId, slot);
      expectStartedOperation(removal, 'nic.remove', guestId);
      await ctx.wait(removal);
      const after = await ctx.connector.getGuestConfig(guestId);
      expect(after.nics.map((n) => n.slot)).toEqual(config.nics.map((n) => n.slot));
      await expectError(ctx.connector.removeNic(guestId, slot), 'NOT_FOUND', 'removeNic() of a removed NIC');
    },
  },
];
