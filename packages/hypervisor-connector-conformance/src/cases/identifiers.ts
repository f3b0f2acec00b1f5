import type { ConformanceCase } from '../conformance-case.js';
import { expectError, fail } from '../expect-error.js';
import { guestCalls } from './guest-calls.js';

/** Ids the contract's id schema rejects. */
const MALFORMED_GUEST_IDS = ['', 'vm 100', '../etc/passwd', 'vm/../100', `vm/${'1'.repeat(300)}`];
const MALFORMED_OPERATION_IDS = ['', 'has space', 'op/../other', 'x'.repeat(600)];

/** Malformed and unknown ids, for every method that takes one. */
export const identifierCases: readonly ConformanceCase[] = [
  {
    id: 'ids.guest-malformed',
    title: 'every guest method throws INVALID_ARGUMENT for a malformed guest id',
    async run(ctx) {
      const [node] = await ctx.nodeNames();
      for (const { method, call } of guestCalls(node!, await ctx.capabilities())) {
        for (const id of MALFORMED_GUEST_IDS) {
          await expectError(call(ctx.connector, id), 'INVALID_ARGUMENT', `${method}(${JSON.stringify(id)})`);
        }
      }
    },
  },
  {
    id: 'ids.guest-unknown',
    title: 'every guest method throws NOT_FOUND for a well-formed id no guest has',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      const missing = await ctx.missingGuestId(guest);
      const before = (await ctx.connector.listGuests()).length;
      for (const { method, call } of guestCalls(guest.node, await ctx.capabilities())) {
        await expectError(call(ctx.connector, missing), 'NOT_FOUND', `${method}(${JSON.stringify(missing)})`);
      }
      const after = await ctx.connector.listGuests();
      if (after.length !== before) fail(`calls on ${missing} changed the guest list`);
    },
  },
  {
    id: 'ids.operation-malformed',
    title: 'getOperation, waitForOperation and cancelOperation throw INVALID_ARGUMENT for a malformed id',
    async run(ctx) {
      const caps = await ctx.capabilities();
      for (const id of MALFORMED_OPERATION_IDS) {
        const what = JSON.stringify(id.length > 20 ? `${id.slice(0, 20)}...` : id);
        await expectError(ctx.connector.getOperation(id), 'INVALID_ARGUMENT', `getOperation(${what})`);
        await expectError(
          ctx.connector.waitForOperation(id),
          'INVALID_ARGUMENT',
          `waitForOperation(${what})`,
        );
        if (caps.cancelOperation) {
          await expectError(
            ctx.connector.cancelOperation(id),
            'INVALID_ARGUMENT',
            `cancelOperation(${what})`,
          );
        }
      }
    },
  },
  {
    id: 'ids.operation-unknown',
    title: 'getOperation, waitForOperation and cancelOperation throw NOT_FOUND for an unknown operation',
    needs: ['unknownOperationId'],
    async run(ctx) {
      const id = ctx.fixture.unknownOperationId!;
      await expectError(ctx.connector.getOperation(id), 'NOT_FOUND', 'getOperation of an unknown id');
      await expectError(ctx.connector.waitForOperation(id), 'NOT_FOUND', 'waitForOperation of an unknown id');
      if ((await ctx.capabilities()).cancelOperation) {
        await expectError(ctx.connector.cancelOperation(id), 'NOT_FOUND', 'cancelOperation of an unknown id');
      }
    },
  },
];
