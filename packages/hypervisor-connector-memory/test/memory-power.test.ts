import type { GuestState, HypervisorConnector, Operation } from '@hvc/hypervisor-connector';
import type { PowerAction } from '@hvc/hypervisor-connector-kit';
import {
  createManualClock,
  createMemoryConnector,
  type MemoryConnectorConfig,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

const DURATION = 50;

function setup(config: MemoryConnectorConfig = {}) {
  const clock = createManualClock();
  const connector = createMemoryConnector({
    clock,
    operationDurationMs: DURATION,
    guests: [
      { type: 'vm', name: 'vm-1' },
      { type: 'container', name: 'ct-1' },
      { type: 'vm', name: 'tpl', template: true },
    ],
    ...config,
  });
  return { clock, connector };
}

function call(connector: HypervisorConnector, action: PowerAction, guestId: string): Promise<Operation> {
  switch (action) {
    case 'start':
      return connector.startGuest(guestId);
    case 'stop':
      return connector.stopGuest(guestId);
    case 'shutdown':
      return connector.shutdownGuest(guestId);
    case 'reboot':
      return connector.rebootGuest(guestId);
    case 'reset':
      return connector.resetGuest(guestId);
    case 'suspend':
      return connector.suspendGuest(guestId);
    case 'resume':
      return connector.resumeGuest(guestId);
  }
}

// Every action from every state: the state it leaves the guest in, or the CONFLICT message it gives.
const TABLE: Array<[PowerAction, GuestState, GuestState | string]> = [
  ['start', 'stopped', 'running'],
  ['start', 'suspended', 'running'],
  ['start', 'running', 'cannot start guest vm/100: it is already running'],
  ['start', 'paused', 'cannot start guest vm/100: it is paused (start needs a stopped guest)'],
  ['start', 'unknown', 'cannot start guest vm/100: its state is unknown (start needs a stopped guest)'],
  ['stop', 'running', 'stopped'],
  ['stop', 'paused', 'stopped'],
  ['stop', 'suspended', 'stopped'],
  ['stop', 'unknown', 'stopped'],
  ['stop', 'stopped', 'cannot stop guest vm/100: it is already stopped'],
  ['shutdown', 'running', 'stopped'],
  ['shutdown', 'stopped', 'cannot shutdown guest vm/100: it is already stopped'],
  ['shutdown', 'paused', 'cannot shutdown guest vm/100: it is paused (shutdown needs a running guest)'],
  ['reboot', 'running', 'running'],
  ['reboot', 'stopped', 'cannot reboot guest vm/100: it is stopped (reboot needs a running guest)'],
  ['reboot', 'paused', 'cannot reboot guest vm/100: it is paused (reboot needs a running guest)'],
  ['reset', 'running', 'running'],
  ['reset', 'paused', 'running'],
  ['reset', 'stopped', 'cannot reset guest vm/100: it is stopped (reset needs a running or paused guest)'],
  ['suspend', 'running', 'paused'],
  ['suspend', 'paused', 'cannot suspend guest vm/100: it is already paused'],
  ['suspend', 'stopped', 'cannot suspend guest vm/100: it is stopped (suspend needs a running guest)'],
  ['resume', 'paused', 'running'],
  ['resume', 'suspended', 'running'],
  ['resume', 'running', 'cannot resume guest vm/100: it is already running'],
  [
    'resume',
    'stopped',
    'cannot resume guest vm/100: it is stopped (resume needs a paused or suspended guest)',
  ],
];

describe('power actions', () => {
  it.each(TABLE)('%s from %s → %s', async (action, from, expected) => {
    const { connector, clock } = setup();
    connector.state.setGuestState('vm/100', from);
    if ((expected as string).startsWith('cannot')) {
      await expect(call(connector, action, 'vm/100')).rejects.toMatchObject({
        code: 'CONFLICT',
        retryable: false,
        message: expected,
        details: { reason: 'state', state: from },
      });
      expect(connector.state.operations()).toEqual([]);
      expect((await connector.getGuest('vm/100')).state).toBe(from);
      return;
    }
    const operation = await call(connector, action, 'vm/100');
    expect(operation).toMatchObject({ type: action, guestId: 'vm/100', status: 'running' });
    // The state changes only when the operation succeeds; until then the guest is locked with the action's name.
    expect(await connector.getGuest('vm/100')).toMatchObject({ state: from, lock: action });
    await clock.advance(DURATION);
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'succeeded' });
    const guest = await connector.getGuest('vm/100');
    expect(guest.state).toBe(expected);
    expect(guest.lock).toBeUndefined();
  });

  it('refuses to start a template', async () => {
    const { connector } = setup();
    await expect(connector.startGuest('vm/102')).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      message: 'cannot start guest vm/102: it is a template',
      details: { reason: 'template' },
    });
  });

  it('refuses a second action on a busy guest with a retryable CONFLICT naming the lock', async () => {
    const { connector, clock } = setup();
    await connector.startGuest('vm/100');
    const busy = connector.stopGuest('vm/100');
    await expect(busy).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: true,
      message: 'guest vm/100 is locked (start)',
      details: { reason: 'locked', lock: 'start' },
    });
    await clock.advance(DURATION);
    const stop = await connector.stopGuest('vm/100');
    expect(stop.type).toBe('stop');
  });

  it('has no hard reset for containers', async () => {
    const { connector } = setup();
    connector.state.setGuestState('container/101', 'running');
    await expect(connector.resetGuest('container/101')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'reset',
    });
  });

  it('throws UNSUPPORTED without the reset and suspend capabilities', async () => {
    const { connector } = setup({ capabilities: { reset: false, suspend: false } });
    connector.state.setGuestState('vm/100', 'running');
    await expect(connector.resetGuest('vm/100')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'reset',
    });
    await expect(connector.suspendGuest('vm/100')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'suspend',
    });
    await expect(connector.resumeGuest('vm/100')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'suspend',
    });
    expect(connector.state.operations()).toEqual([]);
  });

  it('restarts the uptime on start and reboot but not on resume', async () => {
    const { connector, clock } = setup();
    await connector.startGuest('vm/100');
    await clock.advance(DURATION);
    await clock.advance(10_000);
    expect((await connector.getGuest('vm/100')).usage?.uptimeSeconds).toBe(10);
    await connector.suspendGuest('vm/100');
    await clock.advance(DURATION);
    await connector.resumeGuest('vm/100');
    await clock.advance(DURATION);
    expect((await connector.getGuest('vm/100')).usage?.uptimeSeconds).toBe(10);
    await connector.rebootGuest('vm/100');
    await clock.advance(DURATION);
    expect((await connector.getGuest('vm/100')).usage?.uptimeSeconds).toBe(0);
  });

  it('NOT_FOUND for an unknown guest, INVALID_ARGUMENT for a malformed id', async () => {
    const { connector } = setup();
    await expect(connector.startGuest('vm/404')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.startGuest('vm 100')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('leaves the state as it was when the operation fails', async () => {
    const { connector, clock } = setup({ failOperations: () => 'the guest did not boot' });
    const operation = await connector.startGuest('vm/100');
    await clock.advance(DURATION);
    expect(await connector.getOperation(operation.id)).toMatchObject({
      status: 'failed',
      error: { code: 'OPERATION_FAILED', message: 'the guest did not boot' },
    });
    const guest = await connector.getGuest('vm/100');
    expect(guest.state).toBe('stopped');
    expect(guest.lock).toBeUndefined();
  });
});
