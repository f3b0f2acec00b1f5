import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import { type ConformanceFixture, describeConformance } from '@hvc/hypervisor-connector-conformance';
import {
  type MemoryConnector,
  type MemoryConnectorConfig,
  type MemoryConnectorConfigInput,
  memoryConnectorFactory,
} from '@hvc/hypervisor-connector-memory';
import { createResolver, type ResolvedConnector } from '@hvc/hypervisor-resolver';
import { afterAll } from 'vitest';

// The connectors the resolver hands out keep the whole contract: the conformance kit runs against memory
// connectors resolved through the resolver, behind their guards, with a small concurrency cap and queue.
const inner = new Map<string, MemoryConnector>();
const resolver = createResolver({
  connectors: {
    memory: {
      ...memoryConnectorFactory,
      create(config, context) {
        const connector = memoryConnectorFactory.create(
          config as MemoryConnectorConfig,
          context,
        ) as MemoryConnector;
        inner.set(context?.targetId ?? '', connector);
        return connector;
      },
    },
  },
  limits: { maxConcurrentCalls: 2, maxQueuedCalls: 64, wait: { initialPollMs: 5, maxPollMs: 50 } },
});
afterAll(() => resolver.close());

let next = 0;
/** A fresh memory target (with a template to clone) resolved through the resolver. */
function resolve(config: MemoryConnectorConfigInput = {}): Promise<ResolvedConnector> {
  next += 1;
  const guests = [{ type: 'vm' as const, name: 'kit-template', template: true }, ...(config.guests ?? [])];
  return resolver.resolve({ id: `kit-${next}`, kind: 'memory', config: { ...config, guests } });
}

function memoryOf(connector: HypervisorConnector): MemoryConnector {
  const found = inner.get((connector as ResolvedConnector).targetId);
  if (found === undefined) throw new Error('not a resolved memory connector');
  return found;
}

const fixture: ConformanceFixture = {
  name: 'memory through the resolver',
  isolated: true,
  connect: () => resolve(),
  vmSpec: (name) => ({ type: 'vm', name, cpus: 2, memoryMiB: 1024, disks: [{ sizeGiB: 8 }] }),
  containerSpec: (name) => ({
    type: 'container',
    name,
    osTemplate: 'local:vztmpl/debian-12-standard.tar.zst',
  }),
  templateGuestId: async (connector) => {
    const template = (await connector.listGuests({ templates: true })).find((g) => g.name === 'kit-template');
    if (!template) throw new Error('no kit-template');
    return template.id;
  },
  factory: { factory: memoryConnectorFactory, config: { nodes: ['node1', 'node2'] } },
  pool: 'kit-pool',
  unknownOperationId: 'memory-operation-that-never-was',
  connectRestricted: () =>
    resolve({
      guests: [
        { type: 'vm', name: 'restricted-running', state: 'running' },
        { type: 'vm', name: 'restricted-stopped' },
      ],
      capabilities: {
        guestTypes: ['vm'],
        create: false,
        update: false,
        clone: { full: false, linked: false },
        snapshots: false,
        memorySnapshots: false,
        migration: { offline: false, live: false },
        suspend: false,
        reset: false,
        console: [],
        metrics: false,
        cancelOperation: false,
      },
    }),
  injectOperationFailure: (connector, { type, guestId }) => {
    memoryOf(connector).state.failNext(type, guestId === undefined ? {} : { guestId });
  },
  slowOperations: { connect: () => resolve({ operationDurationMs: 1_000 }) },
};

describeConformance(fixture);
