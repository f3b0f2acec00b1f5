import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import { UnavailableError } from '@hvc/hypervisor-connector';
import { type ConformanceFixture, describeConformance } from '@hvc/hypervisor-connector-conformance';
import {
  createMemoryConnector,
  type MemoryConnector,
  memoryConnectorFactory,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

// The kit against connectors that share one target, as connectors of a real hypervisor (or of the PVE fake) do:
// cases must not depend on a fresh target, and must remove every guest they create. The cases where any guest type
// will do run on containers here (on VMs in conformance-memory.test.ts).

function sharedTarget(operationDurationMs: number): MemoryConnector {
  return createMemoryConnector({
    operationDurationMs,
    guests: [
      { type: 'vm', name: 'kit-template', template: true },
      { type: 'vm', name: 'bystander-running', state: 'running', tags: ['bystander'] },
      { type: 'container', name: 'bystander-stopped', tags: ['bystander'] },
    ],
  });
}

const target = sharedTarget(20);
const slowTarget = sharedTarget(1_000);
/** Everything off but the power calls: the kit probes its seeded guests. */
const restrictedTarget = createMemoryConnector({
  guests: [
    { type: 'container', name: 'restricted-running', state: 'running' },
    { type: 'container', name: 'restricted-stopped' },
  ],
  capabilities: {
    guestTypes: ['container'],
    create: false,
    update: false,
    clone: { full: false, linked: false },
    snapshots: false,
    memorySnapshots: false,
    migration: { offline: false, live: false },
    suspend: false,
    reset: false,
    console: ['terminal'],
    metrics: false,
    cancelOperation: false,
  },
});
const before = await target.listGuests();

/** A connector of its own (close() ends only it) onto the shared target. */
function handle(shared: HypervisorConnector): HypervisorConnector {
  let closed = false;
  const close = async () => {
    closed = true;
  };
  return new Proxy(shared, {
    get(inner, key) {
      if (key === 'close' || key === Symbol.asyncDispose) return close;
      const value: unknown = Reflect.get(inner, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        closed ? Promise.reject(new UnavailableError('this connector is closed')) : value.apply(inner, args);
    },
  });
}

const fixture: ConformanceFixture = {
  name: 'memory, one shared target, containers',
  guestType: 'container',
  connect: () => handle(target),
  vmSpec: (name) => ({ type: 'vm', name, cpus: 1, memoryMiB: 512 }),
  containerSpec: (name) => ({
    type: 'container',
    name,
    osTemplate: 'local:vztmpl/debian-12-standard.tar.zst',
  }),
  templateGuestId: async (connector) => {
    const [template] = await connector.listGuests({ templates: true, namePrefix: 'kit-template' });
    if (!template) throw new Error('the shared target has no kit-template');
    return template.id;
  },
  unknownOperationId: 'memory-operation-that-never-was',
  injectOperationFailure: (_connector, { type, guestId }) => {
    target.state.failNext(type, guestId === undefined ? {} : { guestId });
  },
  slowOperations: { connect: () => handle(slowTarget) },
  connectRestricted: () => handle(restrictedTarget),
  factory: { factory: memoryConnectorFactory, config: {} },
};

describeConformance(fixture);

describe('the conformance kit on a shared target', () => {
  it('removes every guest it created and leaves the others as they were', async () => {
    const strip = (guests: readonly { id: string; name: string; state: string; node: string }[]) =>
      guests.map(({ id, name, state, node }) => ({ id, name, state, node }));
    expect(strip(await target.listGuests())).toEqual(strip(before));
    expect((await slowTarget.listGuests()).filter((g) => g.name.startsWith('kit-') && !g.template)).toEqual(
      [],
    );
  });
});
