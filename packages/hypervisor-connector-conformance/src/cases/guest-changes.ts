import {
  GuestSpecSchema,
  type GuestType,
  isHypervisorError,
  type Operation,
  vmSizeOrDefaults,
} from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, fail } from '../expect-error.js';
import { guestFingerprint, guestsFingerprint } from '../guest-fingerprint.js';
import { expectStartedOperation } from './lifecycle.js';

const MIB = 1024 * 1024;

async function checkCreate(ctx: CaseContext, type: GuestType): Promise<void> {
  await ctx.requireCapability('create');
  await ctx.requireCapability(`guestTypes.${type}`);
  const spec = ctx.spec({ type });
  const expected = GuestSpecSchema.parse(spec);
  const operation = await ctx.connector.createGuest(spec);
  expectStartedOperation(operation, 'create');
  if (operation.guestId === undefined) fail('the create operation has no guestId');
  await ctx.wait(operation);
  const guest = await ctx.connector.getGuest(operation.guestId);
  expect(guest.type).toBe(type);
  expect(guest.name).toBe(expected.name);
  // The fixture's specs start from no template: a size left out is the default.
  const size = vmSizeOrDefaults(expected);
  expect(guest.resources.cpus).toBe(size.cpus);
  expect(guest.resources.memoryBytes).toBe(size.memoryMiB * MIB);
  expect(guest.state).toBe('stopped');
  expect(guest.template).toBe(false);
  const listed = (await ctx.connector.listGuests()).find((g) => g.id === guest.id);
  expect(listed?.name).toBe(expected.name);
}

/** Create, clone, update and delete. */
export const guestChangeCases: readonly ConformanceCase[] = [
  {
    id: 'guests.create-vm',
    title: 'createGuest() makes a VM that is listed with the spec’s name, cpus and memory',
    needs: ['vmSpec'],
    run: (ctx) => checkCreate(ctx, 'vm'),
  },
  {
    id: 'guests.create-container',
    title: 'createGuest() makes a container that is listed with the spec’s name, cpus and memory',
    needs: ['containerSpec'],
    run: (ctx) => checkCreate(ctx, 'container'),
  },
  {
    id: 'guests.create-start',
    title: 'createGuest({ start: true }) leaves the new guest running',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('create');
      const guest = await ctx.createGuest({ state: 'running' });
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('running');
    },
  },
  {
    id: 'guests.clone-full',
    title: 'cloneGuest({ mode: "full" }) makes a new guest like the source and leaves the source as it was',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('clone.full');
      const source = await ctx.createGuest();
      const name = ctx.uniqueName('clone');
      const operation = await ctx.connector.cloneGuest(source.id, { name, mode: 'full' });
      expectStartedOperation(operation, 'clone');
      if (operation.guestId === undefined) fail('the clone operation has no guestId');
      expect(operation.guestId).not.toBe(source.id);
      await ctx.wait(operation);
      const clone = await ctx.connector.getGuest(operation.guestId);
      expect(clone.name).toBe(name);
      expect(clone.type).toBe(source.type);
      expect(clone.resources.cpus).toBe(source.resources.cpus);
      expect(clone.resources.memoryBytes).toBe(source.resources.memoryBytes);
      expect(guestFingerprint(await ctx.connector.getGuest(source.id))).toBe(guestFingerprint(source));
      const listed = (await ctx.connector.listGuests()).map((g) => g.id);
      expect(listed).toEqual(expect.arrayContaining([source.id, clone.id]));
    },
  },
  {
    id: 'guests.clone-linked',
    title: 'cloneGuest({ mode: "linked" }) of a template makes a new guest',
    needs: ['templateGuestId'],
    async run(ctx) {
      await ctx.requireCapability('clone.linked');
      const templateId = await ctx.fixture.templateGuestId!(ctx.connector);
      const template = await ctx.connector.getGuest(templateId);
      expect(template.template).toBe(true);
      const name = ctx.uniqueName('linked');
      const operation = await ctx.connector.cloneGuest(templateId, { name, mode: 'linked' });
      expectStartedOperation(operation, 'clone');
      if (operation.guestId === undefined) fail('the clone operation has no guestId');
      await ctx.wait(operation);
      const clone = await ctx.connector.getGuest(operation.guestId);
      expect(clone.id).not.toBe(templateId);
      expect(clone.name).toBe(name);
      expect(clone.type).toBe(template.type);
      expect(clone.template).toBe(false);
      expect((await ctx.connector.getGuest(templateId)).template).toBe(true);
    },
  },
  {
    id: 'guests.clone-linked-needs-template',
    title:
      'cloneGuest({ mode: "linked" }) of a guest that is no template is refused (at once or by a failed operation) and creates nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('clone.linked');
      const source = await ctx.createGuest();
      const before = await guestsFingerprint(ctx.connector);
      const name = ctx.uniqueName('linked');
      let operation: Operation | undefined;
      try {
        operation = await ctx.connector.cloneGuest(source.id, { name, mode: 'linked' });
      } catch (error) {
        if (!isHypervisorError(error, 'INVALID_ARGUMENT') && !isHypervisorError(error, 'CONFLICT')) {
          const shown = isHypervisorError(error) ? `${error.code}: ${error.message}` : String(error);
          fail(
            `a linked clone of a guest that is no template: expected INVALID_ARGUMENT or CONFLICT, got ${shown}`,
          );
        }
      }
      if (operation) {
        // A hypervisor may only find out in the task: then the operation must fail and leave nothing behind.
        if (operation.guestId !== undefined) ctx.track(operation.guestId);
        const done = await ctx.connector.waitForOperation(operation.id, {
          timeoutMs: ctx.waitTimeoutMs,
          throwOnFailure: false,
        });
        if (done.status === 'succeeded') fail('a linked clone of a guest that is no template succeeded');
      }
      expect(await guestsFingerprint(ctx.connector)).toBe(before);
    },
  },
  {
    id: 'guests.update',
    title: 'updateGuest() applies name, cpus, memory and tags',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('update');
      const guest = await ctx.createGuest();
      const name = ctx.uniqueName('renamed');
      const tag = ctx.uniqueName('tag');
      const cpus = guest.resources.cpus + 1;
      const memoryMiB = guest.resources.memoryBytes / MIB + 256;
      const result = await ctx.connector.updateGuest(guest.id, { name, cpus, memoryMiB, tags: [tag] });
      if (result !== undefined) {
        expectStartedOperation(result, 'update', guest.id);
        await ctx.wait(result);
      }
      const after = await ctx.connector.getGuest(guest.id);
      expect(after.name).toBe(name);
      expect(after.resources.cpus).toBe(cpus);
      expect(after.resources.memoryBytes).toBe(memoryMiB * MIB);
      expect(after.tags).toEqual([tag]);
    },
  },
  {
    id: 'guests.update-if-match',
    title: 'updateGuest() with an ifMatch that does not match throws CONFLICT and changes nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('update');
      const guest = await ctx.createGuest();
      await expectError(
        ctx.connector.updateGuest(guest.id, { cpus: guest.resources.cpus + 1, ifMatch: 'kit-stale-version' }),
        'CONFLICT',
        'an update with a stale ifMatch',
      );
      expect(guestFingerprint(await ctx.connector.getGuest(guest.id))).toBe(guestFingerprint(guest));
    },
  },
  {
    id: 'guests.delete',
    title: 'deleteGuest() on a stopped guest removes it: NOT_FOUND afterwards and gone from the list',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      const operation = await ctx.connector.deleteGuest(guest.id);
      expectStartedOperation(operation, 'delete', guest.id);
      await ctx.wait(operation);
      await expectError(ctx.connector.getGuest(guest.id), 'NOT_FOUND', 'getGuest of a deleted guest');
      expect((await ctx.connector.listGuests()).map((g) => g.id)).not.toContain(guest.id);
    },
  },
  {
    id: 'guests.delete-running-conflict',
    title: 'deleteGuest() on a running guest throws CONFLICT and the guest stays',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest({ state: 'running' });
      await expectError(ctx.connector.deleteGuest(guest.id), 'CONFLICT', 'deleting a running guest');
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('running');
    },
  },
];
