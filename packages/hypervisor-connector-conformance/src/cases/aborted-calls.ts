import { expect } from 'vitest';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError } from '../expect-error.js';
import { guestFingerprint, guestsFingerprint } from '../guest-fingerprint.js';

const aborted = () => AbortSignal.abort(new Error('kit abort'));

/** Calls made with a signal that has already fired: CANCELLED, and nothing happens. */
export const abortedCallCases: readonly ConformanceCase[] = [
  {
    id: 'abort.reads',
    title: 'reads with an aborted signal throw CANCELLED',
    async run({ connector }) {
      const signal = aborted();
      await expectError(connector.describe({ signal }), 'CANCELLED', 'describe()');
      await expectError(connector.listNodes({ signal }), 'CANCELLED', 'listNodes()');
      await expectError(connector.listGuests({}, { signal }), 'CANCELLED', 'listGuests()');
    },
  },
  {
    id: 'abort.create',
    title: 'createGuest() with an aborted signal throws CANCELLED and creates nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      const before = await guestsFingerprint(ctx.connector);
      await expectError(
        ctx.connector.createGuest(ctx.spec(), { signal: aborted() }),
        'CANCELLED',
        'createGuest()',
      );
      expect(await guestsFingerprint(ctx.connector)).toBe(before);
    },
  },
  {
    id: 'abort.guest-calls',
    title: 'guest calls with an aborted signal throw CANCELLED and change nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      const c = ctx.connector;
      const signal = aborted();
      await expectError(c.getGuest(guest.id, { signal }), 'CANCELLED', 'getGuest()');
      await expectError(c.startGuest(guest.id, { signal }), 'CANCELLED', 'startGuest()');
      await expectError(c.deleteGuest(guest.id, { signal }), 'CANCELLED', 'deleteGuest()');
      const caps = await ctx.capabilities();
      if (caps.update) {
        await expectError(c.updateGuest(guest.id, { cpus: 2 }, { signal }), 'CANCELLED', 'updateGuest()');
      }
      if (caps.snapshots) {
        await expectError(
          c.createSnapshot(guest.id, { name: 'kit' }, { signal }),
          'CANCELLED',
          'createSnapshot()',
        );
        expect(await c.listSnapshots(guest.id)).toEqual([]);
      }
      expect(guestFingerprint(await c.getGuest(guest.id))).toBe(guestFingerprint(guest));
    },
  },
  {
    id: 'abort.wait',
    title:
      'waitForOperation() with an aborted signal throws CANCELLED and leaves the operation running to its end',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      const operation = await ctx.connector.startGuest(guest.id);
      await expectError(
        ctx.connector.waitForOperation(operation.id, { signal: aborted() }),
        'CANCELLED',
        'waitForOperation()',
      );
      await ctx.wait(operation);
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('running');
    },
  },
];
