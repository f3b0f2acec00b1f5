import diagnosticsChannel from 'node:diagnostics_channel';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { createManualClock, memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver, RESOLVER_CHANNELS, type ResolverEvent } from '@hvc/hypervisor-resolver';
import { describe, expect, it, vi } from 'vitest';
import { recordingFactory } from './support/recording-factory.js';

const guests = [{ type: 'vm' as const, name: 'web-1' }];

describe('resolve with the memory connector', () => {
  it('creates one connector for 100 concurrent resolves of one target', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    let lookups = 0;
    const events: ResolverEvent[] = [];
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: async (id) => {
        lookups += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return id === 'lab' ? { id, kind: 'memory', config: { guests } } : undefined;
      },
      onEvent: (event) => events.push(event),
    });
    const connectors = await Promise.all(Array.from({ length: 100 }, () => resolver.resolve('lab')));
    expect(memory.created).toHaveLength(1);
    expect(new Set(connectors).size).toBe(1);
    expect(lookups).toBe(1);
    expect(events.filter((e) => e.type === 'create')).toHaveLength(1);
    expect((await connectors[0]!.listGuests()).map((g) => g.id)).toEqual(['vm/100']);
    // Later resolves are cache hits that see the source again.
    await resolver.resolve('lab');
    expect(lookups).toBe(2);
    expect(memory.created).toHaveLength(1);
    expect(resolver.stats()).toMatchObject({ hits: 100, misses: 1, created: 1 });
    await resolver.close();
  });

  it('creates a new connector when the config changes and closes the old one after its in-flight call', async () => {
    const clock = createManualClock();
    const memory = recordingFactory(memoryConnectorFactory);
    let version = '1.0.0';
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: (id) => ({ id, kind: 'memory', config: { guests, clock, latencyMs: 1_000, version } }),
    });
    const first = await resolver.resolve('lab');
    const inFlight = first.listGuests().then((list) => {
      memory.log.push('caller-saw-result');
      return list;
    });
    await new Promise((resolve) => setImmediate(resolve));

    version = '2.0.0';
    const second = await resolver.resolve('lab');
    expect(second).not.toBe(first);
    expect(memory.created).toHaveLength(2);
    expect(resolver.stats().targets.map((t) => [t.status, t.inFlight])).toEqual([
      ['active', 0],
      ['draining', 1],
    ]);
    // The old connector refuses new calls but is not closed while its call runs.
    await expect(first.listNodes()).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(memory.log).not.toContain('close:lab#0');

    await clock.advance(1_000);
    expect(await inFlight).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    const order = memory.log.filter((line) => line.startsWith('done:lab#0') || line === 'close:lab#0');
    expect(order).toEqual(['done:lab#0:listGuests', 'close:lab#0']);
    expect(memory.log).not.toContain('close:lab#1');
    expect((await resolver.resolve('lab')) === second).toBe(true);
    await resolver.close();
    expect(memory.log).toContain('close:lab#1');
  });

  it('validates a frozen descriptor the source returns again once, and a new object at once', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    const parse = vi.spyOn(memory.factory.configSchema, 'safeParse');
    const frozen = (version: string) =>
      Object.freeze({ id: 'lab', kind: 'memory', config: Object.freeze({ guests, version }) });
    let current = frozen('1.0.0');
    const resolver = createResolver({ connectors: { memory: memory.factory }, targets: () => current });
    const first = await resolver.resolve('lab');
    const validations = parse.mock.calls.length;
    expect(validations).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect(await resolver.resolve('lab')).toBe(first);
    expect(parse.mock.calls.length).toBe(validations);
    // A changed target is a new object: seen on the very next resolve.
    current = frozen('2.0.0');
    const second = await resolver.resolve('lab');
    expect(second).not.toBe(first);
    expect(parse.mock.calls.length).toBe(validations * 2);
    expect(memory.created).toHaveLength(2);
    // A descriptor that is not frozen is validated on every resolve, as before.
    const open = { id: 'lab', kind: 'memory', config: { guests, version: '2.0.0' } };
    current = open as unknown as ReturnType<typeof frozen>;
    await resolver.resolve('lab');
    const before = parse.mock.calls.length;
    await resolver.resolve('lab');
    await resolver.resolve('lab');
    expect(parse.mock.calls.length).toBe(before + 2);
    parse.mockRestore();
    await resolver.close();
  });

  it('keeps the connector while only the order of config keys changes', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({ connectors: { memory: memory.factory } });
    const a = await resolver.resolve({
      id: 'lab',
      kind: 'memory',
      config: { nodes: ['n1'], version: '9.0' },
    });
    const b = await resolver.resolve({
      id: 'lab',
      kind: 'memory',
      config: { version: '9.0', nodes: ['n1'] },
    });
    expect(b).toBe(a);
    expect(memory.created).toHaveLength(1);
    await resolver.close();
  });

  it('evicts the least recently used connector beyond maxEntries and closes it', async () => {
    let now = 0;
    const memory = recordingFactory(memoryConnectorFactory);
    const events: ResolverEvent[] = [];
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: (id) => ({ id, kind: 'memory', config: {} }),
      cache: { maxEntries: 2 },
      clock: () => now,
      onEvent: (event) => events.push(event),
    });
    const a = await resolver.resolve('a');
    now = 1;
    await resolver.resolve('b');
    now = 2;
    await a.listNodes(); // a is now more recently used than b
    now = 3;
    await resolver.resolve('c');
    await new Promise((resolve) => setImmediate(resolve));
    expect(memory.log).toContain('close:b#1');
    expect(memory.log).not.toContain('close:a#0');
    expect(resolver.stats().targets.map((t) => t.targetId)).toEqual(['a', 'c']);
    expect(events.filter((e) => e.type === 'evict' || e.type === 'close')).toMatchObject([
      { type: 'evict', targetId: 'b', reason: 'lru', inFlight: 0 },
      { type: 'close', targetId: 'b', reason: 'lru', forced: false },
    ]);
    expect(resolver.stats().evicted.lru).toBe(1);
    await resolver.close();
  });

  it('evicts idle connectors and closes them, but not one with a call in flight', async () => {
    const clock = createManualClock();
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: (id) => ({ id, kind: 'memory', config: { clock, latencyMs: id === 'busy' ? 60_000 : 0 } }),
      cache: { idleTimeoutMs: 30_000 },
      clock: () => clock.now(),
    });
    await resolver.resolve('quiet');
    const busy = await resolver.resolve('busy');
    const call = busy.listNodes();
    await clock.advance(29_999);
    expect(resolver.evictIdle()).toBe(0);
    await clock.advance(1);
    expect(resolver.evictIdle()).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(memory.log).toContain('close:quiet#0');
    expect(memory.log).not.toContain('close:busy#1');
    await clock.advance(30_000);
    await call;
    expect(resolver.evictIdle()).toBe(0); // just used
    await clock.advance(30_000);
    expect(resolver.evictIdle()).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(memory.log).toContain('close:busy#1');
    // The next resolve makes a new one.
    await resolver.resolve('quiet');
    expect(memory.created).toHaveLength(3);
    await resolver.close();
  });

  it('keeps a connector with an open watch or a long wait from idle eviction, and evicts it once they end', async () => {
    const clock = createManualClock();
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: (id) => ({ id, kind: 'memory', config: { clock, guests, operationDurationMs: 90_000 } }),
      cache: { idleTimeoutMs: 30_000 },
      clock: () => clock.now(),
    });
    const watched = await resolver.resolve('watched');
    const stop = new AbortController();
    const events = watched.watchGuests()[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ type: 'sync' });
    const waiting = await resolver.resolve('waiting');
    const operation = await waiting.startGuest('vm/100');
    const waited = waiting.waitForOperation(operation.id, { timeoutMs: 120_000 });

    await clock.advance(60_000);
    expect(resolver.evictIdle()).toBe(0);
    expect(memory.log.filter((line) => line.startsWith('close:'))).toEqual([]);
    expect(resolver.stats().targets.map((t) => [t.targetId, t.status, t.inFlight, t.openStreams])).toEqual([
      ['watched', 'active', 0, 1],
      ['waiting', 'active', 1, 0],
    ]);
    await clock.advance(60_000);
    expect(await waited).toMatchObject({ status: 'succeeded' });
    // The watch still sees its target's changes.
    const next = events.next();
    await watched.startGuest('vm/100');
    await clock.advance(1_000);
    expect((await next).value).toMatchObject({ type: 'changed', guest: { id: 'vm/100', lock: 'start' } });

    // Ending the watch hands the connector back to idle eviction, after the idle time; so does a watch whose
    // caller aborts it and never pulls again.
    await events.return?.();
    const abandoned = watched.watchGuests({}, { signal: stop.signal })[Symbol.asyncIterator]();
    expect((await abandoned.next()).value).toMatchObject({ type: 'sync' });
    stop.abort();
    expect(resolver.evictIdle()).toBe(0);
    await clock.advance(30_000);
    expect(resolver.evictIdle()).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(memory.log).toEqual(expect.arrayContaining(['close:watched#0', 'close:waiting#1']));
    await resolver.close();
  });

  it('ends the open watches of an evicted target at once: they keep a connector from idle eviction only', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: (id) => ({ id, kind: 'memory', config: { guests } }),
    });
    const watched = await resolver.resolve('lab');
    const events = watched.watchGuests()[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ type: 'sync' });
    await resolver.evict('lab');
    expect(memory.log).toContain('close:lab#0');
    await expect(events.next()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(resolver.stats().targets).toEqual([]);
    await resolver.close();
  });

  it('closes a connector the caller closes, and the next resolve makes a new one', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({ connectors: { memory: memory.factory } });
    const descriptor = { id: 'lab', kind: 'memory', config: {} };
    {
      await using connector = await resolver.resolve(descriptor);
      await connector.listNodes();
    }
    expect(memory.log).toContain('close:lab#0');
    const again = await resolver.resolve(descriptor);
    expect(memory.created).toHaveLength(2);
    expect(await again.listNodes()).toHaveLength(2);
    await resolver.close();
  });

  it('evicts and closes a target the application deleted: a target made again with the same config gets a new connector', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    let stored: { id: string; kind: string; config: object } | undefined = {
      id: 'lab',
      kind: 'memory',
      config: { guests },
    };
    const events: ResolverEvent[] = [];
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: () => stored,
      onEvent: (event) => events.push(event),
    });
    const first = await resolver.resolve('lab');
    const created = await first.createGuest({ type: 'vm', name: 'private' });
    await first.waitForOperation(created.id);

    stored = undefined;
    await resolver.evict('lab');
    expect(memory.log).toContain('close:lab#0');
    await expect(first.listGuests()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: { reason: 'connector-retired', retired: 'invalidated' },
    });
    await expect(resolver.resolve('lab')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    stored = { id: 'lab', kind: 'memory', config: { guests } };
    const second = await resolver.resolve('lab');
    expect(memory.created).toHaveLength(2);
    expect((await second.listGuests()).map((g) => g.name)).toEqual(['web-1']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'evict', reason: 'invalidated' }));
    await resolver.evict('nothing-cached'); // no connector: resolves at once
    await resolver.close();
  });

  it('retires the connector of a target its source no longer knows, even with no evict', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    let known = true;
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: (id) => (known ? { id, kind: 'memory', config: { guests } } : undefined),
    });
    const stale = await resolver.resolve('lab');
    known = false;
    await expect(resolver.resolve('lab')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(stale.listGuests()).rejects.toMatchObject({
      details: { reason: 'connector-retired', retired: 'target-gone' },
    });
    await vi.waitFor(() => expect(memory.log).toContain('close:lab#0'));
    expect(resolver.stats().evicted['target-gone']).toBe(1);
    await resolver.close();
  });

  it('closes everything on close() and refuses to resolve afterwards', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      targets: [
        { id: 'a', kind: 'memory', config: {} },
        { id: 'b', kind: 'memory', config: {} },
      ],
    });
    const a = await resolver.resolve('a');
    await resolver.resolve('b');
    await resolver[Symbol.asyncDispose]();
    expect(memory.log.filter((l) => l.startsWith('close:')).sort()).toEqual(['close:a#0', 'close:b#1']);
    await expect(resolver.resolve('a')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(a.listNodes()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(resolver.stats().targets).toEqual([]);
    await resolver.close(); // idempotent
  });

  it('publishes events on diagnostics channels, without config values', async () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    for (const name of Object.values(RESOLVER_CHANNELS)) diagnosticsChannel.subscribe(name, listener);
    try {
      const resolver = createResolver({ connectors: { memory: memoryConnectorFactory } });
      const descriptor = { id: 'lab', kind: 'memory', config: { clusterName: 'hunter2-cluster' } };
      await resolver.resolve(descriptor);
      await resolver.resolve(descriptor);
      await resolver.close();
      expect(seen.map((e) => `${(e as ResolverEvent).type}`)).toEqual([
        'resolve',
        'create',
        'resolve',
        'evict',
        'close',
      ]);
      expect(seen.map((e) => (e as { outcome?: string }).outcome).filter(Boolean)).toEqual(['miss', 'hit']);
      expect(JSON.stringify(seen)).not.toContain('hunter2');
    } finally {
      for (const name of Object.values(RESOLVER_CHANNELS)) diagnosticsChannel.unsubscribe(name, listener);
    }
  });

  it('reports stats per target', async () => {
    const resolver = createResolver({ connectors: { memory: memoryConnectorFactory } });
    const lab = await resolver.resolve({ id: 'lab', kind: 'memory', config: { guests } });
    await lab.listGuests();
    await expect(lab.getGuest('vm/999')).rejects.toSatisfy((e) => isHypervisorError(e, 'NOT_FOUND'));
    expect(resolver.stats().targets).toMatchObject([
      {
        targetId: 'lab',
        kind: 'memory',
        status: 'active',
        calls: 2,
        failures: 1,
        rejected: 0,
        inFlight: 0,
        running: 0,
        queued: 0,
        resolves: 1,
        breaker: { state: 'closed', consecutiveFailures: 0, opened: 0, rejected: 0 },
      },
    ]);
    await resolver.close();
  });
  it('closes a draining connector anyway once the drain timeout ends', async () => {
    const clock = createManualClock();
    const memory = recordingFactory(memoryConnectorFactory);
    const events: ResolverEvent[] = [];
    const resolver = createResolver({
      connectors: { memory: memory.factory },
      limits: { drainTimeoutMs: 10 },
      onEvent: (event) => events.push(event),
    });
    const stuck = await resolver.resolve({ id: 'lab', kind: 'memory', config: { clock, latencyMs: 60_000 } });
    const call = stuck.listNodes().catch((error: unknown) => error);
    await resolver.close();
    expect(events.find((e) => e.type === 'close')).toMatchObject({ targetId: 'lab', forced: true });
    expect(memory.log).toContain('close:lab#0');
    await clock.advance(60_000);
    expect(await call).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('lets listeners subscribe and unsubscribe; a throwing listener becomes a warning, not a failure', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const resolver = createResolver({ connectors: { memory: memoryConnectorFactory } });
      const seen: string[] = [];
      const unsubscribe = resolver.subscribe((event) => seen.push(event.type));
      resolver.subscribe(() => {
        throw new Error('listener bug');
      });
      await resolver.resolve({ id: 'lab', kind: 'memory', config: {} });
      unsubscribe();
      await resolver.resolve({ id: 'lab', kind: 'memory', config: {} });
      expect(seen).toEqual(['resolve', 'create']);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener bug' }), {
        code: 'HVC_RESOLVER_LISTENER',
      });
      await resolver.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a resolve whose signal has already fired', async () => {
    const resolver = createResolver({ connectors: { memory: memoryConnectorFactory } });
    await expect(
      resolver.resolve({ id: 'lab', kind: 'memory', config: {} }, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(resolver.stats().created).toBe(0);
    await resolver.close();
  });
});
