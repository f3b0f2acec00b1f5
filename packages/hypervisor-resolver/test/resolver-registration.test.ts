import { type ConnectorFactory, HypervisorError, isHypervisorError } from '@hvc/hypervisor-connector';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import {
  createResolver,
  InvalidTargetConfigError,
  NoSuchConnectorError,
  TargetNotFoundError,
  UnsupportedConnectorVersionError,
} from '@hvc/hypervisor-resolver';
import { describe, expect, it } from 'vitest';
import { recordingFactory } from './support/recording-factory.js';

describe('connector registration', () => {
  it('checks eager factories when the resolver is created', () => {
    const wrongKind = { ...memoryConnectorFactory, kind: 'other' };
    expect(() => createResolver({ connectors: { memory: wrongKind } })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        violations: [{ field: 'connectors.memory.kind', message: 'expected "memory"' }],
      }),
    );
    const v9 = {
      ...memoryConnectorFactory,
      specificationVersion: 'v9',
    } as unknown as ConnectorFactory;
    const error = captureSync(() => createResolver({ connectors: { memory: v9 } }));
    expect(UnsupportedConnectorVersionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'UNSUPPORTED',
      specificationVersion: 'v9',
      supportedVersions: ['v1'],
      message: 'connector "memory" implements specification "v9"; this resolver supports v1',
    });
    expect(() => createResolver({ connectors: { memory: {} as ConnectorFactory } })).toThrow(
      /not a connector factory/,
    );
    expect(() => createResolver({ connectors: { Bad_Kind: memoryConnectorFactory } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('loads lazy connectors once, from a module namespace, and checks them then', async () => {
    let loads = 0;
    const resolver = createResolver({
      connectors: {
        memory: async () => {
          loads += 1;
          return { memoryConnectorFactory, somethingElse: 42 };
        },
        stale: async () => ({
          default: {
            ...memoryConnectorFactory,
            kind: 'stale',
            specificationVersion: 'v0',
          } as unknown as ConnectorFactory,
        }),
      },
    });
    expect(resolver.kinds()).toEqual(['memory', 'stale']);
    const descriptor = { id: 'lab', kind: 'memory', config: {} };
    const [a, b] = await Promise.all([resolver.resolve(descriptor), resolver.resolve(descriptor)]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
    await expect(resolver.resolve({ id: 'old', kind: 'stale', config: {} })).rejects.toSatisfy(
      UnsupportedConnectorVersionError.isInstance,
    );
    await resolver.close();
  });

  it('reports a loader that fails, and tries it again next time', async () => {
    let attempt = 0;
    const resolver = createResolver({
      connectors: {
        memory: async () => {
          attempt += 1;
          if (attempt === 1) throw new Error("Cannot find package '@hvc/hypervisor-connector-vmware'");
          return memoryConnectorFactory;
        },
      },
    });
    const descriptor = { id: 'lab', kind: 'memory', config: {} };
    await expect(resolver.resolve(descriptor)).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('could not load connector "memory"'),
    });
    await expect(resolver.resolve(descriptor)).resolves.toBeDefined();
    await resolver.close();
  });

  it('throws NoSuchConnectorError listing the known kinds for an unknown kind', async () => {
    const resolver = createResolver({
      connectors: {
        memory: memoryConnectorFactory,
        proxmox: () => import('@hvc/hypervisor-connector-proxmox'),
      },
      // @ts-expect-error a kind the registry lacks does not compile where the code names it; data can name it
      targets: [{ id: 'esx', kind: 'vmware', config: {} }],
    });
    const error = await resolver.resolve('esx').catch((e: unknown) => e);
    expect(NoSuchConnectorError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(HypervisorError);
    expect(error).toMatchObject({
      name: 'NoSuchConnectorError',
      code: 'UNSUPPORTED',
      kind: 'vmware',
      availableKinds: ['memory', 'proxmox'],
      message: 'no connector of kind "vmware" is registered (available: memory, proxmox)',
    });
    await resolver.close();
  });
});

describe('targets', () => {
  it('throws TargetNotFoundError (NOT_FOUND) for an unknown id, from a list or a source', async () => {
    const fromList = createResolver({ connectors: { memory: memoryConnectorFactory }, targets: [] });
    const fromSource = createResolver({
      connectors: { memory: memoryConnectorFactory },
      targets: async () => undefined,
    });
    for (const resolver of [fromList, fromSource]) {
      const error = await resolver.resolve('nope').catch((e: unknown) => e);
      expect(TargetNotFoundError.isInstance(error)).toBe(true);
      expect(NoSuchConnectorError.isInstance(error)).toBe(false);
      expect(error).toMatchObject({ code: 'NOT_FOUND', target: 'nope', targetId: 'nope' });
      await resolver.close();
    }
  });

  it('validates the config with the factory schema, naming the target and the field, never the values', async () => {
    const resolver = createResolver({
      connectors: { memory: memoryConnectorFactory },
      targets: [
        // @ts-expect-error a field the memory config lacks does not compile; the same target as data is refused so
        { id: 'lab', kind: 'memory', config: { nodes: ['ok', 'not a node!'], password: 's3cret-value' } },
      ],
    });
    const error = await resolver.resolve('lab').catch((e: unknown) => e);
    expect(InvalidTargetConfigError.isInstance(error)).toBe(true);
    expect(isHypervisorError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error).toMatchObject({
      targetId: 'lab',
      target: 'lab',
      violations: [
        { field: 'config.nodes.1', message: 'not a valid node name' },
        { field: 'config.password', message: 'unknown field' },
      ],
    });
    expect((error as Error).message).toMatch(/^invalid config for target "lab": config\.nodes\.1: /);
    expect(JSON.stringify(error)).not.toContain('s3cret-value');
    expect((error as Error).message).not.toContain('s3cret-value');
    await resolver.close();
  });

  it('rejects malformed descriptors and options with INVALID_ARGUMENT', async () => {
    expect(() =>
      createResolver({
        connectors: { memory: memoryConnectorFactory },
        targets: [
          { id: 'a', kind: 'memory', config: {} },
          { id: 'a', kind: 'memory', config: {} },
        ],
      }),
    ).toThrow(/targets\.1\.id: duplicate target id "a"/);
    expect(() =>
      createResolver({ connectors: {}, limits: { maxConcurrentCalls: 0, breaker: { openMs: -1 } } }),
    ).toThrow(
      expect.objectContaining({
        violations: [
          { field: 'limits.maxConcurrentCalls', message: 'expected an integer >= 1' },
          { field: 'limits.breaker.openMs', message: 'expected an integer >= 1' },
        ],
      }),
    );
    expect(() => createResolver({ connectors: {}, cache: { maxEntries: 0 } })).toThrow(/cache\.maxEntries/);
    const resolver = createResolver({ connectors: { memory: memoryConnectorFactory } });
    // @ts-expect-error a kind the registry lacks ("Memory") does not compile
    await expect(resolver.resolve({ id: '', kind: 'Memory', config: {} })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [
        { field: 'id', message: expect.any(String) },
        { field: 'kind', message: expect.any(String) },
      ],
    });
    await expect(
      resolver.resolve({ id: 'lab', kind: 'memory', config: {}, limits: { maxQueuedCalls: 1.5 } }),
    ).rejects.toMatchObject({
      violations: [{ field: 'limits.maxQueuedCalls', message: 'expected an integer >= 0' }],
    });
    await expect(resolver.resolve('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(resolver.stats().created).toBe(0);
    await resolver.close();
  });

  it('uses a descriptor source, refusing one that answers with another id', async () => {
    const resolver = createResolver({
      connectors: { memory: memoryConnectorFactory },
      targets: (id) => ({ id: id === 'alias' ? 'other' : id, kind: 'memory', config: {} }),
    });
    expect((await resolver.resolve('lab')).targetId).toBe('lab');
    await expect(resolver.resolve('alias')).rejects.toMatchObject({
      name: 'InvalidTargetConfigError',
      violations: [{ field: 'id', message: expect.any(String) }],
    });
    await resolver.close();
  });

  it('turns a failing source into a contract error, and passes aborts on to the source', async () => {
    let seenSignal: AbortSignal | undefined;
    const resolver = createResolver({
      connectors: { memory: memoryConnectorFactory },
      targets: (id, { signal }) => {
        if (id === 'broken') throw new Error('database is down');
        seenSignal = signal;
        return new Promise(() => {});
      },
    });
    await expect(resolver.resolve('broken')).rejects.toMatchObject({ code: 'INTERNAL', target: 'broken' });
    const controller = new AbortController();
    const pending = resolver.resolve('slow', { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seenSignal?.aborted).toBe(true);
    await resolver.close();
  });

  it('shares one source lookup between concurrent resolves; one caller giving up does not stop the others', async () => {
    let release: () => void = () => {};
    const signals: AbortSignal[] = [];
    const resolver = createResolver({
      connectors: { memory: memoryConnectorFactory },
      targets: async (id, { signal }) => {
        signals.push(signal);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { id, kind: 'memory', config: {} };
      },
    });
    const impatient = new AbortController();
    const first = resolver.resolve('lab', { signal: impatient.signal });
    const second = resolver.resolve('lab', { signal: new AbortController().signal });
    await new Promise((resolve) => setImmediate(resolve));
    impatient.abort();
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
    release();
    expect((await second).targetId).toBe('lab');
    await resolver.close();
  });

  it('applies per-target limits from the descriptor, and a change of them makes a new connector', async () => {
    const memory = recordingFactory(memoryConnectorFactory);
    const resolver = createResolver({ connectors: { memory: memory.factory } });
    const a = await resolver.resolve({ id: 'lab', kind: 'memory', config: {}, limits: { breaker: false } });
    expect(resolver.stats().targets[0]?.breaker).toBeUndefined();
    const b = await resolver.resolve({
      id: 'lab',
      kind: 'memory',
      config: {},
      limits: { maxConcurrentCalls: 1 },
    });
    expect(b).not.toBe(a);
    expect(resolver.stats().targets[0]?.breaker).toMatchObject({ state: 'closed' });
    await resolver.close();
  });
});

function captureSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
