import type { GuestSpecInput } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectInvalidField } from '../expect-error.js';
import { guestFingerprint, guestsFingerprint } from '../guest-fingerprint.js';

/** Checks that creating from `spec` throws INVALID_ARGUMENT naming `field`, and that no guest appeared. */
async function checkBadSpec(ctx: CaseContext, spec: unknown, field: string, what: string): Promise<void> {
  const before = await guestsFingerprint(ctx.connector);
  await expectInvalidField(ctx.connector.createGuest(spec as GuestSpecInput), field, what);
  expect(await guestsFingerprint(ctx.connector), 'the guest list after the refused create').toBe(before);
}

/** Invalid inputs: INVALID_ARGUMENT naming the field, and nothing changed. */
export const invalidInputCases: readonly ConformanceCase[] = [
  {
    id: 'input.spec-missing-field',
    title: 'createGuest() without a name or a type throws INVALID_ARGUMENT naming it and creates nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      const { name: _name, ...noName } = ctx.spec();
      await checkBadSpec(ctx, noName, 'name', 'a spec without a name');
      const { type: _type, ...noType } = ctx.spec();
      await checkBadSpec(ctx, noType, 'type', 'a spec without a type');
    },
  },
  {
    id: 'input.spec-wrong-type',
    title:
      'createGuest() with a field of the wrong type throws INVALID_ARGUMENT naming it and creates nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      await checkBadSpec(ctx, { ...ctx.spec(), cpus: '2' }, 'cpus', 'cpus as a string');
      await checkBadSpec(ctx, { ...ctx.spec(), tags: 'web' }, 'tags', 'tags as a string');
      await checkBadSpec(ctx, { ...ctx.spec(), start: 'yes' }, 'start', 'start as a string');
    },
  },
  {
    id: 'input.spec-unknown-field',
    title: 'createGuest() with an unknown field throws INVALID_ARGUMENT naming it and creates nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      await checkBadSpec(ctx, { ...ctx.spec(), colour: 'red' }, 'colour', 'an unknown field');
    },
  },
  {
    id: 'input.spec-out-of-range',
    title: 'createGuest() with values out of range throws INVALID_ARGUMENT naming them and creates nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      await checkBadSpec(ctx, { ...ctx.spec(), cpus: 0 }, 'cpus', 'cpus: 0');
      await checkBadSpec(ctx, { ...ctx.spec(), memoryMiB: 1 }, 'memoryMiB', 'memoryMiB: 1');
      await checkBadSpec(ctx, { ...ctx.spec(), name: 'not a dns name!' }, 'name', 'a name with spaces');
      await checkBadSpec(ctx, { ...ctx.spec(), disks: [{ sizeGiB: -1 }] }, 'disks', 'a negative disk size');
    },
  },
  {
    id: 'input.patch-invalid',
    title: 'updateGuest() with an invalid patch throws INVALID_ARGUMENT naming the field and changes nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('update');
      const guest = await ctx.createGuest();
      const c = ctx.connector;
      await expectInvalidField(c.updateGuest(guest.id, { cpus: 0 }), 'cpus', 'cpus: 0');
      await expectInvalidField(
        c.updateGuest(guest.id, { colour: 'red' } as never),
        'colour',
        'an unknown field',
      );
      await expectInvalidField(
        c.updateGuest(guest.id, { memoryMiB: 'lots' as never }),
        'memoryMiB',
        'memory text',
      );
      await expectInvalidField(c.updateGuest(guest.id, {}), '', 'an empty patch');
      expect(guestFingerprint(await c.getGuest(guest.id))).toBe(guestFingerprint(guest));
    },
  },
  {
    id: 'input.other-specs-invalid',
    title: 'clone, snapshot and migrate specs that are invalid throw INVALID_ARGUMENT naming the field',
    needs: ['guestSpec'],
    async run(ctx) {
      const caps = await ctx.capabilities();
      const guest = await ctx.createGuest();
      const c = ctx.connector;
      const before = await guestsFingerprint(c);
      if (caps.clone.full) {
        await expectInvalidField(
          c.cloneGuest(guest.id, { name: 'bad name' }),
          'name',
          'a clone name with a space',
        );
        await expectInvalidField(
          c.cloneGuest(guest.id, { mode: 'deep' as never }),
          'mode',
          'clone mode "deep"',
        );
      }
      if (caps.snapshots) {
        await expectInvalidField(c.createSnapshot(guest.id, { name: '1st' }), 'name', 'snapshot name "1st"');
        await expectInvalidField(
          c.createSnapshot(guest.id, { name: 'current' }),
          'name',
          'snapshot "current"',
        );
        expect(await c.listSnapshots(guest.id)).toEqual([]);
      }
      if (caps.migration.offline) {
        await expectInvalidField(
          c.migrateGuest(guest.id, {} as never),
          'targetNode',
          'a migration without target',
        );
      }
      expect(await guestsFingerprint(c)).toBe(before);
    },
  },
  {
    id: 'input.wait-options-invalid',
    title: 'waitForOperation() with a negative timeoutMs throws INVALID_ARGUMENT naming it',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      const operation = await ctx.connector.startGuest(guest.id);
      await expectInvalidField(
        ctx.connector.waitForOperation(operation.id, { timeoutMs: -1 }),
        'timeoutMs',
        'timeoutMs: -1',
      );
      await ctx.wait(operation);
    },
  },
];
