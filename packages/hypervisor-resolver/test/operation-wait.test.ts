import type { Operation } from '@hvc/hypervisor-connector';
import { createManualClock, memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { describe, expect, it } from 'vitest';
import { recordingFactory } from './support/recording-factory.js';

const guests = [{ type: 'vm' as const, name: 'web-1' }];
const fastPolls = { wait: { initialPollMs: 2, maxPollMs: 5 } };

function setup(config: Record<string, unknown> = {}, maxConcurrentCalls = 1) {
  const clock = createManualClock();
  const memory = recordingFactory(memoryConnectorFactory);
  const resolver = createResolver({
    connectors: { memory: memory.factory },
    targets: (id) => ({
      id,
      kind: 'memory',
      config: { guests, clock, operationDurationMs: 1_000, ...config },
    }),
    limits: { maxConcurrentCalls, maxQueuedCalls: 100, ...fastPolls },
  });
  return { clock, memory, resolver };
}

/** Real time for a few polls to happen. */
const polls = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('waitForOperation through the resolver', () => {
  it('holds a slot only while it polls, so other calls run during a long wait', async () => {
    const { clock, memory, resolver } = setup();
    const connector = await resolver.resolve('lab');
    const start = await connector.startGuest('vm/100');
    const order: string[] = [];
    const progress: Operation[] = [];
    const wait = connector
      .waitForOperation(start.id, { onProgress: (op) => progress.push(op) })
      .then((op) => order.push(`wait:${op.status}`));
    await polls();
    const others = Array.from({ length: 5 }, (_, i) =>
      connector.listNodes().then(() => order.push(`call${i}`)),
    );
    await Promise.all(others);
    expect(order).toEqual(['call0', 'call1', 'call2', 'call3', 'call4']);
    expect(resolver.stats().targets[0]).toMatchObject({ inFlight: 1, running: 0 });
    await clock.advance(1_000);
    await wait;
    expect(order.at(-1)).toBe('wait:succeeded');
    // Every change a poll saw, once: running (maybe again at half progress), then the end.
    expect(progress[0]).toMatchObject({ status: 'running', progress: 0 });
    expect(progress.at(-1)).toMatchObject({ status: 'succeeded' });
    expect(progress.slice(1, -1).every((op) => op.status === 'running' && op.progress === 0.5)).toBe(true);
    // Several polls ran, each as its own call on the connector, and the connector's own wait gave the answer.
    const methods = memory.log.filter((l) => l.startsWith('call:')).map((l) => l.split(':').at(-1));
    expect(methods.filter((m) => m === 'getOperation').length).toBeGreaterThan(1);
    expect(methods.at(-1)).toBe('waitForOperation');
    await resolver.close();
  });

  it('keeps the connector failure semantics: OPERATION_FAILED, or the failed operation with throwOnFailure false', async () => {
    const { clock, resolver } = setup({ failOperations: () => 'disk on fire' });
    const connector = await resolver.resolve('lab');
    const first = await connector.startGuest('vm/100');
    const failing = connector.waitForOperation(first.id).catch((error: unknown) => error);
    await polls();
    await clock.advance(1_000);
    expect(await failing).toMatchObject({ code: 'OPERATION_FAILED', operationId: first.id });
    const second = await connector.startGuest('vm/100');
    const returned = connector.waitForOperation(second.id, { throwOnFailure: false });
    await polls();
    await clock.advance(1_000);
    expect(await returned).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('disk on fire') },
    });
    // Operation failures say nothing about the target's health.
    expect(resolver.stats().targets[0]?.breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    await resolver.close();
  });

  it('times out with TIMEOUT naming the operation, without counting it against the target', async () => {
    const { resolver } = setup();
    const connector = await resolver.resolve('lab');
    const start = await connector.startGuest('vm/100');
    await expect(connector.waitForOperation(start.id, { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      operationId: start.id,
      target: 'lab',
    });
    expect(resolver.stats().targets[0]?.breaker?.consecutiveFailures).toBe(0);
    await expect(connector.waitForOperation(start.id, { timeoutMs: -5 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await resolver.close();
  });

  it('stops waiting with CANCELLED when the signal fires, and answers NOT_FOUND for an unknown operation', async () => {
    const { resolver } = setup();
    const connector = await resolver.resolve('lab');
    const start = await connector.startGuest('vm/100');
    const controller = new AbortController();
    const wait = connector.waitForOperation(start.id, { signal: controller.signal });
    await polls();
    controller.abort();
    await expect(wait).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(connector.waitForOperation('op-that-never-was')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await resolver.close();
  });

  it('counts a wait as in flight: a replaced connector closes only after the wait ends', async () => {
    const { clock, memory, resolver } = setup({}, 4);
    const connector = await resolver.resolve('lab');
    const start = await connector.startGuest('vm/100');
    const wait = connector.waitForOperation(start.id);
    await polls();
    // Same target, new config: resolving it again retires the old connector.
    await resolver.resolve({ id: 'lab', kind: 'memory', config: { clock, version: '2.0.0' } });
    await polls();
    expect(memory.log).not.toContain('close:lab#0');
    await clock.advance(1_000);
    expect(await wait).toMatchObject({ status: 'succeeded' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(memory.log).toContain('close:lab#0');
    await resolver.close();
  });
});
