import type { HypervisorConnector, Operation } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, fail } from '../expect-error.js';

/** Starts a slow `start` operation on a fresh stopped guest of the slow connector. */
async function slowStart(
  ctx: CaseContext,
  connector?: HypervisorConnector,
): Promise<{ slow: HypervisorConnector; operation: Operation }> {
  const slow = connector ?? (await ctx.open('slow'));
  const guest = await ctx.createGuest({ connector: slow });
  const operation = await slow.startGuest(guest.id);
  if (operation.status !== 'running') {
    fail('a start on the slow connector ended at once; slowOperations must be slow');
  }
  return { slow, operation };
}

/** Waiting for, failing and cancelling operations. */
export const operationCases: readonly ConformanceCase[] = [
  {
    id: 'operations.get',
    title: 'getOperation() returns the operation by id, ended after the wait',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      const operation = await ctx.connector.startGuest(guest.id);
      const seen = await ctx.connector.getOperation(operation.id);
      expect({ id: seen.id, type: seen.type, guestId: seen.guestId }).toEqual({
        id: operation.id,
        type: 'start',
        guestId: guest.id,
      });
      await ctx.wait(operation);
      const after = await ctx.connector.getOperation(operation.id);
      expect(after.status).toBe('succeeded');
      expect(after.startedAt).toBe(operation.startedAt);
      const ended = Date.parse(after.endedAt ?? '');
      if (Number.isNaN(ended)) fail(`an ended operation has endedAt ${after.endedAt}`);
      expect(ended).toBeGreaterThanOrEqual(Date.parse(after.startedAt));
    },
  },
  {
    id: 'operations.wait-timeout',
    title: 'waitForOperation({ timeoutMs }) throws TIMEOUT and the operation keeps running to its end',
    needs: ['guestSpec', 'slowOperations'],
    async run(ctx) {
      const { slow, operation } = await slowStart(ctx);
      const error = await expectError(
        slow.waitForOperation(operation.id, { timeoutMs: 50 }),
        'TIMEOUT',
        'a 50 ms wait for a slow operation',
      );
      expect(error.retryable).toBe(true);
      expect((await slow.getOperation(operation.id)).status).toBe('running');
      await ctx.wait(operation, slow);
      expect((await slow.getGuest(operation.guestId!)).state).toBe('running');
    },
  },
  {
    id: 'operations.wait-abort',
    title: 'aborting a wait throws CANCELLED before the operation ends, and the operation goes on',
    needs: ['guestSpec', 'slowOperations'],
    async run(ctx) {
      const { slow, operation } = await slowStart(ctx);
      const controller = new AbortController();
      const waiting = slow.waitForOperation(operation.id, { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expectError(waiting, 'CANCELLED', 'an aborted wait');
      expect((await slow.getOperation(operation.id)).status, 'the operation when the wait gave up').toBe(
        'running',
      );
      await ctx.wait(operation, slow);
    },
  },
  {
    id: 'operations.on-progress',
    title: 'waitForOperation() reports the operation to onProgress, ending with its final state',
    needs: ['guestSpec', 'slowOperations'],
    async run(ctx) {
      const { slow, operation } = await slowStart(ctx);
      const seen: Operation[] = [];
      const done = await ctx.wait(operation, slow, { onProgress: (op) => seen.push(op) });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((op) => op.id === operation.id)).toBe(true);
      expect(seen[seen.length - 1]?.status).toBe(done.status);
    },
  },
  {
    id: 'operations.failed-throws',
    title: 'a failed operation makes waitForOperation() throw OPERATION_FAILED naming the operation',
    needs: ['guestSpec', 'injectOperationFailure'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      await ctx.fixture.injectOperationFailure!(ctx.connector, { type: 'start', guestId: guest.id });
      const operation = await ctx.connector.startGuest(guest.id);
      const error = await expectError(
        ctx.connector.waitForOperation(operation.id, { timeoutMs: ctx.waitTimeoutMs }),
        'OPERATION_FAILED',
        'waiting for a failing start',
      );
      expect(error.operationId).toBe(operation.id);
      const after = await ctx.connector.getOperation(operation.id);
      expect(after.status).toBe('failed');
      expect(after.endedAt).toBeDefined();
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('stopped');
    },
  },
  {
    id: 'operations.failed-returned',
    title: 'waitForOperation({ throwOnFailure: false }) returns a failed operation with its error',
    needs: ['guestSpec', 'injectOperationFailure'],
    async run(ctx) {
      const guest = await ctx.createGuest();
      await ctx.fixture.injectOperationFailure!(ctx.connector, { type: 'start', guestId: guest.id });
      const operation = await ctx.connector.startGuest(guest.id);
      const done = await ctx.connector.waitForOperation(operation.id, {
        timeoutMs: ctx.waitTimeoutMs,
        throwOnFailure: false,
      });
      expect(done.status).toBe('failed');
      expect(done.id).toBe(operation.id);
      expect(typeof done.error?.message).toBe('string');
      expect(typeof done.error?.code).toBe('string');
    },
  },
  {
    id: 'operations.cancel',
    title: 'cancelOperation() stops a running operation: it ends cancelled and waiting throws CANCELLED',
    needs: ['guestSpec', 'slowOperations'],
    async run(ctx) {
      const connector = await ctx.open('slow');
      await ctx.requireCapability('cancelOperation', connector);
      const { slow, operation } = await slowStart(ctx, connector);
      const afterCancel = await slow.cancelOperation(operation.id);
      expect(afterCancel.id).toBe(operation.id);
      expect(['running', 'cancelled']).toContain(afterCancel.status);
      const done = await slow.waitForOperation(operation.id, {
        timeoutMs: ctx.waitTimeoutMs,
        throwOnFailure: false,
      });
      expect(done.status).toBe('cancelled');
      await expectError(
        slow.waitForOperation(operation.id, { timeoutMs: ctx.waitTimeoutMs }),
        'CANCELLED',
        'waiting for a cancelled operation',
      );
    },
  },
  {
    id: 'operations.cancel-ended',
    title: 'cancelOperation() of an ended operation changes nothing and returns it as it ended',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('cancelOperation');
      const guest = await ctx.createGuest();
      const done = await ctx.wait(await ctx.connector.startGuest(guest.id));
      const after = await ctx.connector.cancelOperation(done.id);
      expect(after.status).toBe('succeeded');
      expect((await ctx.connector.getOperation(done.id)).status).toBe('succeeded');
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('running');
    },
  },
  {
    id: 'operations.busy-guest',
    title: 'a second mutating call on a guest with an operation running throws CONFLICT',
    needs: ['guestSpec', 'slowOperations'],
    async run(ctx) {
      const { slow, operation } = await slowStart(ctx);
      const guestId = operation.guestId!;
      await expectError(slow.startGuest(guestId), 'CONFLICT', 'a second start while the first runs');
      await expectError(slow.deleteGuest(guestId), 'CONFLICT', 'a delete while a start runs');
      await ctx.wait(operation, slow);
      expect((await slow.getGuest(guestId)).state).toBe('running');
    },
  },
];
