import { isHypervisorError } from '@hvc/hypervisor-connector';
import { createManualClock, memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver, type ResolverEvent } from '@hvc/hypervisor-resolver';
import { describe, expect, it } from 'vitest';
import { recordingFactory } from './support/recording-factory.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('per-target guards', () => {
  it('opens the breaker of a dead target and fails fast, while another target keeps working at full speed', async () => {
    const now = 0;
    const log: string[] = [];
    const dead = recordingFactory(memoryConnectorFactory, { kind: 'dead', dead: true, log });
    const healthyClock = createManualClock();
    const healthy = recordingFactory(memoryConnectorFactory, { log });
    const events: ResolverEvent[] = [];
    const resolver = createResolver({
      connectors: { dead: dead.factory, memory: healthy.factory },
      targets: [
        { id: 'down', kind: 'dead', config: {} },
        { id: 'up', kind: 'memory', config: { clock: healthyClock, latencyMs: 10 } },
      ],
      limits: { maxConcurrentCalls: 4, breaker: { failureThreshold: 3, openMs: 10_000 } },
      clock: () => now,
      onEvent: (event) => events.push(event),
    });
    const down = await resolver.resolve('down');
    const up = await resolver.resolve('up');

    // Three failures reach the target; they pass through unchanged and open the breaker.
    for (let i = 0; i < 3; i++) {
      await expect(down.listGuests()).rejects.toThrow('connect ECONNREFUSED');
    }
    expect(dead.calls[0]).toBe(3);
    expect(events.filter((e) => e.type === 'breaker')).toMatchObject([
      { targetId: 'down', from: 'closed', to: 'open', consecutiveFailures: 3 },
    ]);

    // While open, 50 calls fail fast without reaching the target ...
    const fast = Array.from({ length: 50 }, () => down.listGuests().catch((error: unknown) => error));
    // ... and 50 calls to the healthy target are all served, 4 at a time as its own cap allows.
    const served = Array.from({ length: 50 }, () => up.listNodes());
    const failures = await Promise.all(fast);
    expect(dead.calls[0]).toBe(3);
    for (const error of failures) {
      expect(isHypervisorError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/circuit breaker open after 3 consecutive failures/);
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect(error).toMatchObject({ retryable: true, target: 'down', details: { reason: 'circuit-open' } });
    }
    // The healthy target was never queued behind the dead one: its calls are running or queued on its own cap.
    expect(resolver.stats().targets.find((t) => t.targetId === 'up')).toMatchObject({
      running: 4,
      queued: 46,
    });
    for (let i = 0; i < 13; i++) await healthyClock.advance(10);
    expect((await Promise.all(served)).every((nodes) => nodes.length === 2)).toBe(true);
    expect(healthy.calls[0]).toBe(50);
    expect(resolver.stats().targets.find((t) => t.targetId === 'down')).toMatchObject({
      calls: 53,
      failures: 53,
      rejected: 50,
      breaker: { state: 'open', opened: 1, rejected: 50 },
    });
    await resolver.close();
  });

  it('lets one probe through after the open period: a failure reopens, a success closes', async () => {
    let now = 0;
    let alive = false;
    const log: string[] = [];
    const events: ResolverEvent[] = [];
    const flaky = recordingFactory(memoryConnectorFactory, { log, dead: () => !alive });
    const resolver = createResolver({
      connectors: { memory: flaky.factory },
      limits: { breaker: { failureThreshold: 2, openMs: 1_000 } },
      clock: () => now,
      onEvent: (event) => events.push(event),
    });
    const connector = await resolver.resolve({ id: 'flaky', kind: 'memory', config: {} });
    const call = () => connector.listNodes();
    await expect(call()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(call()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(call()).rejects.toThrow(/circuit breaker open/);
    now = 1_000;
    // Half-open: the probe goes through, fails, and reopens the breaker.
    await expect(call()).rejects.toThrow('ECONNREFUSED');
    await expect(call()).rejects.toThrow(/circuit breaker open/);
    now = 2_000;
    alive = true;
    expect(await call()).toHaveLength(2);
    expect(await call()).toHaveLength(2);
    expect(events.filter((e) => e.type === 'breaker').map((e) => `${e.from}>${e.to}`)).toEqual([
      'closed>open',
      'open>half-open',
      'half-open>open',
      'open>half-open',
      'half-open>closed',
    ]);
    await resolver.close();
  });

  it('holds the queue bound: calls beyond cap + queue fail at once with retryable UNAVAILABLE', async () => {
    const clock = createManualClock();
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      limits: { maxConcurrentCalls: 2, maxQueuedCalls: 3 },
    });
    const connector = await resolver.resolve({
      id: 'lab',
      kind: 'memory',
      config: { clock, latencyMs: 100 },
    });
    const settled: string[] = [];
    const calls = Array.from({ length: 10 }, (_, i) =>
      connector.listNodes().then(
        () => settled.push(`ok${i}`),
        (error: unknown) => {
          settled.push(`err${i}`);
          return error;
        },
      ),
    );
    await tick();
    // 2 run, 3 wait, 5 are refused before anything else happens.
    expect(settled).toEqual(['err5', 'err6', 'err7', 'err8', 'err9']);
    expect(memory.calls[0]).toBe(2);
    expect(resolver.stats().targets[0]).toMatchObject({ running: 2, queued: 3, rejected: 5 });
    const refused = await calls[9];
    expect(refused).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      details: { reason: 'queue-full' },
    });
    await clock.advance(100);
    expect(memory.calls[0]).toBe(4);
    await clock.advance(100);
    await clock.advance(100);
    await Promise.all(calls);
    expect(settled.slice(5)).toEqual(['ok0', 'ok1', 'ok2', 'ok3', 'ok4']);
    // The breaker does not count refusals by the queue as target failures.
    expect(resolver.stats().targets[0]?.breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    await resolver.close();
  });

  it('takes a queued call whose signal fires out of the queue with CANCELLED', async () => {
    const clock = createManualClock();
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      limits: { maxConcurrentCalls: 1, maxQueuedCalls: 1 },
    });
    const connector = await resolver.resolve({ id: 'lab', kind: 'memory', config: { clock, latencyMs: 50 } });
    const running = connector.listNodes();
    const controller = new AbortController();
    const queued = connector.listNodes({ signal: controller.signal });
    await tick();
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: 'CANCELLED' });
    // Its place is free again.
    const next = connector.listNodes();
    await clock.advance(50);
    await clock.advance(50);
    await Promise.all([running, next]);
    expect(memory.calls[0]).toBe(2);
    await resolver.close();
  });

  it('passes errors from the connector through unchanged', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    const direct = memoryConnectorFactory.create(memoryConnectorFactory.configSchema.parse({}), {
      targetId: 'lab',
    });
    const resolver = createResolver({ connectors: { memory: memory.factory } });
    const connector = await resolver.resolve({ id: 'lab', kind: 'memory', config: {} });
    const viaResolver = await connector.getGuest('vm/404').catch((error: unknown) => error);
    const straight = await direct.getGuest('vm/404').catch((error: unknown) => error);
    expect(viaResolver).toMatchObject({ name: 'NotFoundError', code: 'NOT_FOUND' });
    expect((viaResolver as Error).message).toBe((straight as Error).message);
    await expect(connector.startGuest('bad id!')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await direct.close();
    await resolver.close();
  });
});
