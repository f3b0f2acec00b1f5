import type {
  Guest,
  GuestState,
  HypervisorConnector,
  Operation,
  OperationType,
} from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, fail } from '../expect-error.js';

type PowerCall = (connector: HypervisorConnector, guestId: string) => Promise<Operation>;

/** Checks what every operation-returning call must give back at once. */
export function expectStartedOperation(operation: Operation, type: OperationType, guestId?: string): void {
  expect(typeof operation.id).toBe('string');
  expect(operation.id.length).toBeGreaterThan(0);
  expect(operation.type).toBe(type);
  if (guestId !== undefined) expect(operation.guestId).toBe(guestId);
  expect(['running', 'succeeded']).toContain(operation.status);
  expect(Number.isNaN(Date.parse(operation.startedAt)), `startedAt ${operation.startedAt}`).toBe(false);
}

/**
 * Runs one power call on a guest in `from` and checks the operation it returns, that it can be waited for and looked
 * up, and that the guest ends in one of `to`.
 */
async function checkPowerCall(
  ctx: CaseContext,
  call: PowerCall,
  type: OperationType,
  prepare: (ctx: CaseContext) => Promise<Guest>,
  to: readonly GuestState[],
): Promise<void> {
  const guest = await prepare(ctx);
  const operation = await call(ctx.connector, guest.id);
  expectStartedOperation(operation, type, guest.id);
  const done = await ctx.wait(operation);
  expect(done.id).toBe(operation.id);
  expect(done.endedAt, 'endedAt of an ended operation').toBeDefined();
  expect((await ctx.connector.getOperation(operation.id)).status).toBe('succeeded');
  const after = await ctx.connector.getGuest(guest.id);
  if (!to.includes(after.state)) {
    fail(`after ${type} the guest is ${after.state}, expected ${to.join(' or ')}`);
  }
}

const stopped = (ctx: CaseContext) => ctx.createGuest({ state: 'stopped' });
const running = (ctx: CaseContext) => ctx.createGuest({ state: 'running' });

async function suspended(ctx: CaseContext): Promise<Guest> {
  const guest = await running(ctx);
  await ctx.wait(await ctx.connector.suspendGuest(guest.id));
  return ctx.connector.getGuest(guest.id);
}

/** Power calls: each returns an operation that can be waited for, and the guest reaches the right state. */
export const lifecycleCases: readonly ConformanceCase[] = [
  {
    id: 'lifecycle.start',
    title: 'startGuest() on a stopped guest returns an operation; the guest ends running',
    needs: ['guestSpec'],
    run: (ctx) => checkPowerCall(ctx, (c, id) => c.startGuest(id), 'start', stopped, ['running']),
  },
  {
    id: 'lifecycle.stop',
    title: 'stopGuest() on a running guest returns an operation; the guest ends stopped',
    needs: ['guestSpec'],
    run: (ctx) => checkPowerCall(ctx, (c, id) => c.stopGuest(id), 'stop', running, ['stopped']),
  },
  {
    id: 'lifecycle.shutdown',
    title: 'shutdownGuest() on a running guest returns an operation; the guest ends stopped',
    needs: ['guestSpec'],
    run: (ctx) => checkPowerCall(ctx, (c, id) => c.shutdownGuest(id), 'shutdown', running, ['stopped']),
  },
  {
    id: 'lifecycle.reboot',
    title: 'rebootGuest() on a running guest returns an operation; the guest ends running',
    needs: ['guestSpec'],
    run: (ctx) => checkPowerCall(ctx, (c, id) => c.rebootGuest(id), 'reboot', running, ['running']),
  },
  {
    id: 'lifecycle.reset',
    title: 'resetGuest() on a running VM returns an operation; the VM ends running',
    needs: ['vmSpec'],
    async run(ctx) {
      await ctx.requireCapability('reset');
      const runningVm = (c: CaseContext) => c.createGuest({ type: 'vm', state: 'running' });
      await checkPowerCall(ctx, (c, id) => c.resetGuest(id), 'reset', runningVm, ['running']);
    },
  },
  {
    id: 'lifecycle.suspend',
    title: 'suspendGuest() on a running guest returns an operation; the guest ends paused or suspended',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('suspend');
      await checkPowerCall(ctx, (c, id) => c.suspendGuest(id), 'suspend', running, ['paused', 'suspended']);
    },
  },
  {
    id: 'lifecycle.resume',
    title: 'resumeGuest() on a suspended guest returns an operation; the guest ends running',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('suspend');
      await checkPowerCall(ctx, (c, id) => c.resumeGuest(id), 'resume', suspended, ['running']);
    },
  },
  {
    id: 'lifecycle.start-running-conflict',
    title: 'startGuest() on a running guest throws CONFLICT and changes nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      const guest = await running(ctx);
      await expectError(ctx.connector.startGuest(guest.id), 'CONFLICT', 'starting a running guest');
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('running');
    },
  },
  {
    id: 'lifecycle.needs-running-conflict',
    title: 'reboot, reset (VMs) and suspend on a stopped guest throw CONFLICT and change nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      const caps = await ctx.capabilities();
      const guest = await stopped(ctx);
      const c = ctx.connector;
      await expectError(c.rebootGuest(guest.id), 'CONFLICT', 'rebooting a stopped guest');
      // Reset is a VM call (containers may refuse it as UNSUPPORTED whatever their state).
      if (caps.reset && guest.type === 'vm') {
        await expectError(c.resetGuest(guest.id), 'CONFLICT', 'resetting a stopped VM');
      }
      if (caps.suspend) await expectError(c.suspendGuest(guest.id), 'CONFLICT', 'suspending a stopped guest');
      expect((await c.getGuest(guest.id)).state).toBe('stopped');
    },
  },
  {
    id: 'lifecycle.resume-running-conflict',
    title: 'resumeGuest() on a running (not suspended) guest throws CONFLICT and changes nothing',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('suspend');
      const guest = await running(ctx);
      await expectError(ctx.connector.resumeGuest(guest.id), 'CONFLICT', 'resuming a running guest');
      expect((await ctx.connector.getGuest(guest.id)).state).toBe('running');
    },
  },
];
