import { ERROR_CODES, type Guest, isHypervisorError } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, fail } from '../expect-error.js';
import { guestFingerprint } from '../guest-fingerprint.js';
import { expectPlainData } from '../plain-data.js';

/** Tries to change a result the caller holds; frozen results make the attempt throw, which is fine too. */
function tamper(change: () => void): void {
  try {
    change();
  } catch {
    // A frozen result refuses the change: exactly what the case wants.
  }
}

function tamperGuest(guest: Guest): void {
  const writable = guest as { -readonly [K in keyof Guest]: Guest[K] };
  tamper(() => {
    writable.name = 'kit-tampered';
  });
  tamper(() => {
    writable.state = 'unknown';
  });
  tamper(() => {
    (guest.tags as string[]).push('kit-tampered');
  });
  tamper(() => {
    (guest.resources as { cpus: number }).cpus = 999;
  });
  tamper(() => {
    (guest.raw as Record<string, unknown>).kitTampered = true;
  });
}

/** Results are the caller's plain data, and errors are the contract's. */
export const dataOwnershipCases: readonly ConformanceCase[] = [
  {
    id: 'data.plain-results',
    title: 'results are plain data that survive a JSON round trip unchanged',
    needs: ['guestSpec'],
    async run(ctx) {
      const c = ctx.connector;
      const guest = await ctx.createGuest();
      expectPlainData(await c.describe(), 'describe()');
      expectPlainData(await c.listNodes(), 'listNodes()');
      expectPlainData(await c.listGuests(), 'listGuests()');
      expectPlainData(await c.getGuest(guest.id), 'getGuest()');
      const operation = await c.startGuest(guest.id);
      expectPlainData(operation, 'the operation of startGuest()');
      expectPlainData(await ctx.wait(operation), 'waitForOperation()');
      expectPlainData(await c.getOperation(operation.id), 'getOperation()');
      if ((await ctx.capabilities()).snapshots) {
        await ctx.wait(await c.createSnapshot(guest.id, { name: 'kit' }));
        expectPlainData(await c.listSnapshots(guest.id), 'listSnapshots()');
      }
    },
  },
  {
    id: 'data.results-detached',
    title: 'changing a returned guest, list or description does not change the connector’s state',
    needs: ['guestSpec'],
    async run(ctx) {
      const c = ctx.connector;
      const guest = await ctx.createGuest();
      const expected = guestFingerprint(guest);
      tamperGuest(await c.getGuest(guest.id));
      const listed = await c.listGuests();
      for (const g of listed) tamperGuest(g);
      tamper(() => {
        listed.length = 0;
      });
      expect(guestFingerprint(await c.getGuest(guest.id))).toBe(expected);
      expect((await c.listGuests()).map((g) => g.id)).toContain(guest.id);

      const info = await c.describe();
      const names = info.nodes.map((n) => n.name);
      const snapshots = info.capabilities.snapshots;
      const declared = ctx.connector.capabilities.snapshots;
      tamper(() => {
        (info.nodes as unknown[]).length = 0;
      });
      tamper(() => {
        (info.capabilities as { snapshots: boolean }).snapshots = !info.capabilities.snapshots;
      });
      const again = await c.describe();
      expect(again.nodes.map((n) => n.name)).toEqual(names);
      expect(again.capabilities.snapshots).toBe(snapshots);
      expect(ctx.connector.capabilities.snapshots, 'the static capabilities').toBe(declared);
      expect((await c.getGuest(guest.id)).raw).not.toHaveProperty('kitTampered');
    },
  },
  {
    id: 'data.inputs-detached',
    title: 'changing a spec after createGuest() does not change the guest',
    needs: ['guestSpec'],
    async run(ctx) {
      const tag = ctx.uniqueName('tag');
      const spec = ctx.spec({ tags: [tag] });
      const operation = await ctx.connector.createGuest(spec);
      (spec.tags as string[]).push('kit-late');
      spec.name = 'kit-late-name';
      spec.cpus = 7;
      await ctx.wait(operation);
      const guest = await ctx.connector.getGuest(operation.guestId!);
      expect(guest.tags).toEqual([tag]);
      expect(guest.name).not.toBe('kit-late-name');
      expect(guest.resources.cpus).not.toBe(7);
    },
  },
  {
    id: 'data.errors-recognised',
    title: 'errors are recognised by isHypervisorError, carry a contract code and serialise',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest({ state: 'running' });
      const errors = [
        await expectError(ctx.connector.getGuest(await ctx.missingGuestId()), 'NOT_FOUND', 'getGuest'),
        await expectError(ctx.connector.getGuest(''), 'INVALID_ARGUMENT', 'getGuest("")'),
        await expectError(ctx.connector.deleteGuest(guest.id), 'CONFLICT', 'deleting a running guest'),
      ];
      for (const error of errors) {
        expect(isHypervisorError(error)).toBe(true);
        expect(error).toBeInstanceOf(Error);
        expect(ERROR_CODES).toContain(error.code);
        expect(typeof error.retryable).toBe('boolean');
        const json = JSON.parse(JSON.stringify(error)) as { code?: unknown; message?: unknown };
        expect(json.code).toBe(error.code);
        expect(json.message).toBe(error.message);
      }
    },
  },
  {
    id: 'data.errors-without-secrets',
    title: 'an error about a spec holding a password does not show the password',
    async run(ctx) {
      const secret = 'kit-Secret-9f3b2c';
      const spec = {
        type: 'container',
        name: ctx.uniqueName('secret'),
        osTemplate: 'local:vztmpl/kit.tar.zst',
        password: secret,
        cpus: 0,
      } as const;
      let thrown: unknown;
      try {
        await ctx.connector.createGuest(spec);
      } catch (error) {
        thrown = error;
      }
      if (!isHypervisorError(thrown)) fail('a spec with cpus: 0 did not throw a contract error');
      const shown = `${thrown.message} ${JSON.stringify(thrown)} ${String(thrown.stack)}`;
      expect(shown.includes(secret), 'the password in the error').toBe(false);
    },
  },
];
