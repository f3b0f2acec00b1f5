import { NotFoundError, type Operation } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { createManualClock, OperationRecords, type OperationSource, OperationWaiter } from '../src/index.js';

const SCHEDULE = { initialMs: 100, factor: 2, maxMs: 400, jitter: 0 };

/** A source that answers from a list of states, counting its polls. */
function scripted(states: Operation['status'][], extra: Partial<Operation> = {}) {
  let polls = 0;
  const source: OperationSource & { readonly polls: number } = {
    get polls() {
      return polls;
    },
    async poll() {
      const status = states[Math.min(polls, states.length - 1)]!;
      polls++;
      return {
        id: 'op-1',
        type: 'start',
        guestId: 'vm/1',
        status,
        startedAt: '2025-01-01T00:00:00.000Z',
        ...(status === 'running' ? { progress: polls / 10 } : { endedAt: '2025-01-01T00:00:01.000Z' }),
        ...(status === 'failed' ? { error: { code: 'OPERATION_FAILED', message: 'disk on fire' } } : {}),
        ...extra,
      } as Operation;
    },
  };
  return source;
}

describe('OperationRecords', () => {
  it('records running operations and their end, and tells listeners', () => {
    const clock = createManualClock();
    const records = new OperationRecords({ idPrefix: 'lab:', clock });
    const handle = records.begin({ type: 'start', guestId: 'vm/1', progress: 0 });
    let changes = 0;
    records.subscribe(handle.id, () => changes++);
    expect(handle.id).toBe('lab:1');
    expect(records.get(handle.id)).toMatchObject({ status: 'running', progress: 0, guestId: 'vm/1' });
    handle.progress(0.5);
    handle.progress(0.5);
    handle.succeed(['WARN: slow']);
    handle.fail({ code: 'INTERNAL', message: 'too late' });
    expect(records.get(handle.id)).toMatchObject({
      status: 'succeeded',
      progress: 1,
      warnings: ['WARN: slow'],
    });
    expect(records.get(handle.id)?.endedAt).toBeDefined();
    expect(changes).toBe(2);
    expect(handle.ended).toBe(true);
    const added = records.begin({ type: 'disk.add', guestId: 'vm/1', resourceId: 'scsi1' });
    expect(records.get(added.id)).toMatchObject({ type: 'disk.add', resourceId: 'scsi1' });
    expect(records.get(handle.id)).not.toHaveProperty('resourceId');
  });

  it('keeps a bounded number of ended operations', () => {
    const records = new OperationRecords({ idPrefix: 'x:', keepEnded: 2 });
    const handles = [1, 2, 3].map(() => records.begin({ type: 'stop' }));
    const running = records.begin({ type: 'stop' });
    for (const handle of handles) handle.cancel();
    expect(records.get(handles[0]!.id)).toBeUndefined();
    expect(records.get(handles[2]!.id)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    expect(records.get(running.id)).toMatchObject({ status: 'running' });
    expect(records.all().map((op) => op.id)).toEqual([handles[1]!.id, handles[2]!.id, running.id].sort());
  });
});

describe('OperationWaiter', () => {
  it('polls at once, then on a growing schedule, and reports the running state and each change', async () => {
    const clock = createManualClock();
    const waiter = new OperationWaiter({ schedule: SCHEDULE, clock });
    const source = scripted(['running', 'running', 'running', 'succeeded']);
    const seen: string[] = [];
    const done = waiter.wait('op-1', source, {
      onProgress: (op) => seen.push(`${op.status}:${op.progress ?? ''}`),
    });
    await clock.advance(0);
    expect(source.polls).toBe(1);
    await clock.advance(99);
    expect(source.polls).toBe(1);
    await clock.advance(1); // t=100
    expect(source.polls).toBe(2);
    await clock.advance(200); // t=300
    expect(source.polls).toBe(3);
    await clock.advance(400); // t=700
    expect(await done).toMatchObject({ status: 'succeeded' });
    expect(source.polls).toBe(4);
    expect(seen).toEqual(['running:0.1', 'running:0.2', 'running:0.3', 'succeeded:']);
    expect(waiter.watching).toBe(0);
  });

  it('resolves at once without onProgress for an operation that has already ended', async () => {
    const waiter = new OperationWaiter({ schedule: SCHEDULE });
    let calls = 0;
    const done = await waiter.wait('op-1', scripted(['succeeded']), { onProgress: () => calls++ });
    expect(done.status).toBe('succeeded');
    expect(calls).toBe(0);
  });

  it('shares one poll loop between concurrent waits of the same operation', async () => {
    const clock = createManualClock();
    const waiter = new OperationWaiter({ schedule: SCHEDULE, clock });
    const source = scripted(['running', 'running', 'succeeded']);
    const late: string[] = [];
    const first = waiter.wait('op-1', source);
    await clock.advance(0);
    const second = waiter.wait('op-1', scripted(['failed']), { onProgress: (op) => late.push(op.status) });
    expect(late).toEqual(['running']); // a late waiter sees where the operation is at once
    await clock.advance(300);
    expect(await first).toMatchObject({ status: 'succeeded' });
    expect(await second).toMatchObject({ status: 'succeeded' });
    expect(source.polls).toBe(3);
  });

  it('ends one wait with TIMEOUT or CANCELLED while the other goes on, and stops polling when all left', async () => {
    const clock = createManualClock();
    const waiter = new OperationWaiter({ schedule: SCHEDULE, clock, target: 'lab' });
    const source = scripted(['running']);
    const controller = new AbortController();
    const timed = waiter.wait('op-1', source, { timeoutMs: 250 });
    const aborted = waiter.wait('op-1', source, { signal: controller.signal });
    const timedOut = expect(timed).rejects.toMatchObject({
      code: 'TIMEOUT',
      operationId: 'op-1',
      message: 'operation op-1 did not end within 250 ms; it keeps running',
    });
    await clock.advance(0);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'CANCELLED', operationId: 'op-1', target: 'lab' });
    await clock.advance(250);
    await timedOut;
    const polls = source.polls;
    await clock.advance(10_000);
    expect(source.polls).toBe(polls);
    expect(waiter.watching).toBe(0);
  });

  it('throws OPERATION_FAILED with the source details, or returns the operation with throwOnFailure false', async () => {
    const waiter = new OperationWaiter({ schedule: SCHEDULE });
    const source: OperationSource = {
      ...scripted(['failed']),
      failureDetails: async () => ({ log: ['TASK ERROR: disk on fire'] }),
    };
    await expect(waiter.wait('op-1', source)).rejects.toMatchObject({
      code: 'OPERATION_FAILED',
      retryable: false,
      message: 'operation op-1 failed: disk on fire',
      details: {
        type: 'start',
        guestId: 'vm/1',
        errorCode: 'OPERATION_FAILED',
        log: ['TASK ERROR: disk on fire'],
      },
    });
    expect(await waiter.wait('op-1', scripted(['failed']), { throwOnFailure: false })).toMatchObject({
      status: 'failed',
    });
    await expect(waiter.wait('op-1', scripted(['cancelled']))).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('passes on the source errors, naming the operation', async () => {
    const waiter = new OperationWaiter({ schedule: SCHEDULE });
    await expect(
      waiter.wait('op-9', {
        poll: async () => {
          throw new NotFoundError('no such task');
        },
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', operationId: 'op-9' });
  });

  it('wakes on pushed changes without a schedule', async () => {
    const records = new OperationRecords({ idPrefix: 'p:' });
    const handle = records.begin({ type: 'reboot', progress: 0 });
    const waiter = new OperationWaiter();
    const seen: number[] = [];
    const done = waiter.wait(
      handle.id,
      { poll: async () => records.get(handle.id)!, subscribe: (fn) => records.subscribe(handle.id, fn) },
      { onProgress: (op) => seen.push(op.progress ?? -1) },
    );
    await new Promise((resolve) => setImmediate(resolve));
    handle.progress(0.5);
    await new Promise((resolve) => setImmediate(resolve));
    handle.succeed();
    expect(await done).toMatchObject({ status: 'succeeded' });
    expect(seen).toEqual([0, 0.5, 1]);
  });

  it('ends the wait with the error onProgress throws', async () => {
    const waiter = new OperationWaiter({ schedule: SCHEDULE });
    await expect(
      waiter.wait('op-1', scripted(['running', 'succeeded']), {
        onProgress: () => {
          throw new Error('listener broke');
        },
      }),
    ).rejects.toThrow('listener broke');
  });
});
