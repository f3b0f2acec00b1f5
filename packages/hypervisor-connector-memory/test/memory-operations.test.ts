import { isHypervisorError, type Operation } from '@hvc/hypervisor-connector';
import {
  createManualClock,
  createMemoryConnector,
  type MemoryConnectorConfig,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

const DURATION = 100;

function setup(config: MemoryConnectorConfig = {}) {
  const clock = createManualClock();
  const connector = createMemoryConnector({
    clock,
    operationDurationMs: DURATION,
    guests: [
      { type: 'vm', name: 'vm-1' },
      { type: 'vm', name: 'vm-2', state: 'running' },
    ],
    ...config,
  });
  return { clock, connector };
}

/** The outcome of a promise that must settle without the clock moving. */
async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('operation ids and getOperation', () => {
  it('numbers operations per connector and finds them again', async () => {
    const { connector } = setup();
    const first = await connector.startGuest('vm/100');
    const second = await connector.stopGuest('vm/101');
    expect([first.id, second.id]).toEqual(['memory:op:1', 'memory:op:2']);
    expect(await connector.getOperation(first.id)).toEqual(first);
    expect(connector.state.operations().map((op) => op.id)).toEqual(['memory:op:1', 'memory:op:2']);
    expect(setup().connector.state.operations()).toEqual([]);
  });

  it('NOT_FOUND for an unknown id, INVALID_ARGUMENT for a malformed one', async () => {
    const { connector } = setup();
    await expect(connector.getOperation('memory:op:77')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.getOperation('has spaces')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(connector.waitForOperation('memory:op:77')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.cancelOperation('memory:op:77')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports progress half way and ends with start and end times on the clock', async () => {
    const { connector, clock } = setup();
    const started = clock.now();
    const operation = await connector.startGuest('vm/100');
    expect(operation).toMatchObject({ progress: 0, startedAt: new Date(started).toISOString() });
    expect(operation.endedAt).toBeUndefined();
    await clock.advance(DURATION / 2);
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'running', progress: 0.5 });
    await clock.advance(DURATION / 2);
    expect(await connector.getOperation(operation.id)).toMatchObject({
      status: 'succeeded',
      progress: 1,
      endedAt: new Date(started + DURATION).toISOString(),
    });
  });

  it('hands out copies of operations', async () => {
    const { connector } = setup();
    const operation = (await connector.startGuest('vm/100')) as {
      status: string;
      raw?: Record<string, unknown>;
    };
    operation.status = 'succeeded';
    if (operation.raw) operation.raw.type = 'changed';
    expect(await connector.getOperation('memory:op:1')).toMatchObject({
      status: 'running',
      raw: { type: 'start' },
    });
  });

  it('runs operations of length zero on the next timer turn', async () => {
    const { connector, clock } = setup({ operationDurationMs: 0 });
    const operation = await connector.startGuest('vm/100');
    expect(operation.status).toBe('running');
    await clock.advance(0);
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'succeeded' });
  });
});

describe('waitForOperation', () => {
  it('resolves when the operation succeeds and calls onProgress for every change', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    const seen: Operation[] = [];
    const wait = connector.waitForOperation(operation.id, { onProgress: (op) => seen.push(op) });
    await clock.advance(DURATION);
    expect(await wait).toMatchObject({ id: operation.id, status: 'succeeded' });
    // The state the wait starts from (still running), then every change.
    expect(seen.map((op) => [op.status, op.progress])).toEqual([
      ['running', 0],
      ['running', 0.5],
      ['succeeded', 1],
    ]);
  });

  it('resolves at once for an operation that has ended, without calling onProgress', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    await clock.advance(DURATION);
    let calls = 0;
    const ended = await connector.waitForOperation(operation.id, { onProgress: () => calls++ });
    expect(ended.status).toBe('succeeded');
    expect(calls).toBe(0);
  });

  it('throws OPERATION_FAILED for a failed operation, or returns it with throwOnFailure: false', async () => {
    const { connector, clock } = setup({
      failOperations: ({ type, guestId }) =>
        type === 'start' && guestId === 'vm/100' ? 'no bootable disk' : undefined,
    });
    const operation = await connector.startGuest('vm/100');
    const thrown = outcome(connector.waitForOperation(operation.id));
    const returned = connector.waitForOperation(operation.id, { throwOnFailure: false });
    await clock.advance(DURATION);
    const { error } = await thrown;
    expect(isHypervisorError(error, 'OPERATION_FAILED')).toBe(true);
    expect(error).toMatchObject({
      operationId: operation.id,
      message: expect.stringContaining('no bootable disk'),
    });
    expect(await returned).toMatchObject({
      status: 'failed',
      error: { code: 'OPERATION_FAILED', message: 'no bootable disk' },
    });
    // Other operations are unaffected by the hook.
    const other = await connector.stopGuest('vm/101');
    const otherWait = connector.waitForOperation(other.id);
    await clock.advance(DURATION);
    expect((await otherWait).status).toBe('succeeded');
  });

  it('throws TIMEOUT after timeoutMs on the clock and leaves the operation running', async () => {
    const { connector, clock } = setup({ operationDurationMs: 1_000 });
    const operation = await connector.startGuest('vm/100');
    const wait = outcome(connector.waitForOperation(operation.id, { timeoutMs: 300 }));
    await clock.advance(299);
    await clock.advance(1);
    const { error } = await wait;
    expect(error).toMatchObject({ code: 'TIMEOUT', operationId: operation.id, retryable: true });
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'running' });
    await clock.advance(700);
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'succeeded' });
  });

  it('stops with CANCELLED as soon as the signal fires, without the clock moving', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    const controller = new AbortController();
    const wait = outcome(connector.waitForOperation(operation.id, { signal: controller.signal }));
    controller.abort();
    const { error } = await wait;
    expect(error).toMatchObject({ code: 'CANCELLED', operationId: operation.id });
    // The operation itself goes on.
    await clock.advance(DURATION);
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'succeeded' });
  });

  it('rejects bad wait limits', async () => {
    const { connector } = setup();
    const operation = await connector.startGuest('vm/100');
    await expect(connector.waitForOperation(operation.id, { timeoutMs: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'timeoutMs' }],
    });
  });

  it('ends the wait with the error onProgress throws', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    const wait = outcome(
      connector.waitForOperation(operation.id, {
        onProgress: () => {
          throw new Error('observer broke');
        },
      }),
    );
    await clock.advance(DURATION);
    expect((await wait).error).toMatchObject({ message: 'observer broke' });
  });
});

describe('cancelOperation', () => {
  it('cancels a running operation: lock released, change not applied, waiters told CANCELLED', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    const wait = outcome(connector.waitForOperation(operation.id));
    const quiet = connector.waitForOperation(operation.id, { throwOnFailure: false });
    const cancelled = await connector.cancelOperation(operation.id);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      error: { code: 'CANCELLED' },
      endedAt: new Date(clock.now()).toISOString(),
    });
    expect((await wait).error).toMatchObject({ code: 'CANCELLED', operationId: operation.id });
    expect(await quiet).toMatchObject({ status: 'cancelled' });
    const guest = await connector.getGuest('vm/100');
    expect(guest).toMatchObject({ state: 'stopped' });
    expect(guest.lock).toBeUndefined();
    await clock.advance(DURATION * 2);
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'cancelled' });
    expect((await connector.getGuest('vm/100')).state).toBe('stopped');
  });

  it('returns an ended operation unchanged', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    await clock.advance(DURATION);
    const ended = await connector.getOperation(operation.id);
    expect(await connector.cancelOperation(operation.id)).toEqual(ended);
    expect((await connector.getGuest('vm/100')).state).toBe('running');
  });

  it('throws UNSUPPORTED without the capability', async () => {
    const { connector } = setup({ capabilities: { cancelOperation: false } });
    const operation = await connector.startGuest('vm/100');
    await expect(connector.cancelOperation(operation.id)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'cancelOperation',
    });
    expect(await connector.getOperation(operation.id)).toMatchObject({ status: 'running' });
  });
});

describe('failOperations', () => {
  it('is asked once per operation, with the type and the guest (the new one for create)', async () => {
    const asked: unknown[] = [];
    const { connector } = setup({
      failOperations: (context) => {
        asked.push(context);
        return undefined;
      },
    });
    await connector.startGuest('vm/100');
    await connector.createGuest({ type: 'vm', name: 'new' });
    expect(asked).toEqual([
      { type: 'start', guestId: 'vm/100' },
      { type: 'create', guestId: 'vm/102' },
    ]);
  });

  it('state.failNext fails the next matching operation once, before the hook is asked', async () => {
    const asked: string[] = [];
    const { connector, clock } = setup({
      failOperations: ({ type }) => {
        asked.push(type);
        return undefined;
      },
    });
    connector.state.failNext('start', { guestId: 'vm/100', message: 'power supply gone' });
    connector.state.failNext('stop');
    const other = await connector.stopGuest('vm/101');
    const first = await connector.startGuest('vm/100');
    await clock.advance(DURATION);
    expect(await connector.getOperation(other.id)).toMatchObject({
      status: 'failed',
      error: { message: 'injected failure' },
    });
    expect(await connector.getOperation(first.id)).toMatchObject({
      status: 'failed',
      error: { code: 'OPERATION_FAILED', message: 'power supply gone' },
    });
    const second = await connector.startGuest('vm/100');
    await clock.advance(DURATION);
    expect(await connector.getOperation(second.id)).toMatchObject({ status: 'succeeded' });
    expect(asked).toEqual(['start']);
    expect(() => connector.state.failNext('explode' as never)).toThrow(/operation type/);
  });

  it('turns an exception of the hook into INTERNAL and changes nothing', async () => {
    const { connector } = setup({
      failOperations: () => {
        throw new Error('hook bug');
      },
    });
    await expect(connector.createGuest({ type: 'vm', name: 'new' })).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    expect((await connector.listGuests()).map((guest) => guest.id)).toEqual(['vm/100', 'vm/101']);
    expect(connector.state.operations()).toEqual([]);
  });
});

describe('signals', () => {
  it('every method refuses an aborted signal with CANCELLED and changes nothing', async () => {
    const { connector } = setup();
    const operation = await connector.startGuest('vm/100');
    const before = JSON.stringify([connector.state.guests(), connector.state.operations()]);
    const signal = AbortSignal.abort();
    const o = { signal };
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['describe', () => connector.describe(o)],
      ['listNodes', () => connector.listNodes(o)],
      ['listGuests', () => connector.listGuests({}, o)],
      ['getGuest', () => connector.getGuest('vm/101', o)],
      ['createGuest', () => connector.createGuest({ type: 'vm', name: 'x' }, o)],
      ['cloneGuest', () => connector.cloneGuest('vm/101', {}, o)],
      ['updateGuest', () => connector.updateGuest('vm/101', { cpus: 2 }, o)],
      ['deleteGuest', () => connector.deleteGuest('vm/101', o)],
      ['startGuest', () => connector.startGuest('vm/101', o)],
      ['stopGuest', () => connector.stopGuest('vm/101', o)],
      ['shutdownGuest', () => connector.shutdownGuest('vm/101', o)],
      ['rebootGuest', () => connector.rebootGuest('vm/101', o)],
      ['resetGuest', () => connector.resetGuest('vm/101', o)],
      ['suspendGuest', () => connector.suspendGuest('vm/101', o)],
      ['resumeGuest', () => connector.resumeGuest('vm/101', o)],
      ['migrateGuest', () => connector.migrateGuest('vm/101', { targetNode: 'node2' }, o)],
      ['listSnapshots', () => connector.listSnapshots('vm/101', o)],
      ['createSnapshot', () => connector.createSnapshot('vm/101', { name: 's1' }, o)],
      ['rollbackSnapshot', () => connector.rollbackSnapshot('vm/101', 's1', o)],
      ['deleteSnapshot', () => connector.deleteSnapshot('vm/101', 's1', o)],
      ['openConsole', () => connector.openConsole('vm/101', { protocol: 'vnc' }, o)],
      ['getMetrics', () => connector.getMetrics('vm/101', {}, o)],
      ['getOperation', () => connector.getOperation(operation.id, o)],
      ['waitForOperation', () => connector.waitForOperation(operation.id, o)],
      ['cancelOperation', () => connector.cancelOperation(operation.id, o)],
    ];
    for (const [name, run] of calls) {
      const { error } = await outcome(run());
      expect({ name, code: (error as { code?: string } | undefined)?.code }).toEqual({
        name,
        code: 'CANCELLED',
      });
    }
    expect(JSON.stringify([connector.state.guests(), connector.state.operations()])).toBe(before);
  });
});

describe('close', () => {
  it('makes every later call fail with UNAVAILABLE, and is idempotent', async () => {
    const { connector } = setup();
    await connector.close();
    await connector.close();
    expect(connector.state.closed).toBe(true);
    for (const run of [
      () => connector.describe(),
      () => connector.listGuests(),
      () => connector.getGuest('vm/100'),
      () => connector.startGuest('vm/100'),
      () => connector.getOperation('memory:op:1'),
      () => connector.waitForOperation('memory:op:1'),
    ]) {
      await expect(run()).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    }
    expect(connector.state.guests()).toHaveLength(2);
  });

  it('ends pending waits with UNAVAILABLE and stops the operation timers', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    const wait = outcome(connector.waitForOperation(operation.id));
    await connector[Symbol.asyncDispose]();
    expect((await wait).error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('latencyMs', () => {
  it('delays every answer by the configured time on the clock, and the signal still cuts it short', async () => {
    const { connector, clock } = setup({ latencyMs: 30 });
    let answered = false;
    const call = connector.getGuest('vm/100').then((guest) => {
      answered = true;
      return guest;
    });
    await clock.advance(29);
    expect(answered).toBe(false);
    await clock.advance(1);
    expect((await call).id).toBe('vm/100');

    const controller = new AbortController();
    const aborted = outcome(connector.startGuest('vm/100', { signal: controller.signal }));
    controller.abort();
    expect((await aborted).error).toMatchObject({ code: 'CANCELLED' });
    await clock.advance(30);
    expect(connector.state.operations()).toEqual([]);
  });

  it('rejects bad input at once, without waiting for the latency', async () => {
    const { connector } = setup({ latencyMs: 30 });
    await expect(connector.startGuest('not a guest id')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(connector.createGuest({ type: 'vm', name: '' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('ends calls still in their latency with UNAVAILABLE when the connector closes', async () => {
    const { connector, clock } = setup({ latencyMs: 30 });
    const pending = outcome(connector.startGuest('vm/100'));
    await connector.close();
    expect((await pending).error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(clock.pendingTimers()).toBe(0);
    expect(connector.state.operations()).toEqual([]);
  });
});

describe('test hooks', () => {
  it('list running operations and refuse unknown guests and states', async () => {
    const { connector, clock } = setup();
    const operation = await connector.startGuest('vm/100');
    expect(connector.state.runningOperations().map((op) => op.id)).toEqual([operation.id]);
    await clock.advance(DURATION);
    expect(connector.state.runningOperations()).toEqual([]);
    expect(() => connector.state.setGuestState('vm/404', 'running')).toThrow(/not found/);
    expect(() => connector.state.setGuestState('vm/100', 'exploded' as never)).toThrow(/guest state/);
    expect((await connector.getGuest('vm/100')).state).toBe('running');
  });
});
