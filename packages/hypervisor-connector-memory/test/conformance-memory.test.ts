import type { Guest, HypervisorConnector, Operation } from '@hvc/hypervisor-connector';
import { InvalidArgumentError, NotFoundError } from '@hvc/hypervisor-connector';
import {
  CONFORMANCE_CASES,
  type ConformanceFixture,
  describeConformance,
  runConformanceCase,
  unmetNeed,
} from '@hvc/hypervisor-connector-conformance';
import {
  createMemoryConnector,
  type MemoryConnector,
  type MemoryConnectorConfigInput,
  memoryConnectorFactory,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

/** A memory connector with a template to clone from. */
function memoryConnector(config: MemoryConnectorConfigInput = {}): MemoryConnector {
  return createMemoryConnector({
    guests: [{ type: 'vm', name: 'kit-template', template: true, cpus: 2, memoryMiB: 768 }],
    ...config,
  });
}

/** The memory connector behind `connector` (the kit hands back what `connect()` made). */
function asMemory(connector: HypervisorConnector): MemoryConnector {
  if (!('state' in connector)) throw new Error('not a memory connector');
  return connector as MemoryConnector;
}

async function templateId(connector: HypervisorConnector): Promise<string> {
  const template = (await connector.listGuests({ templates: true })).find((g) => g.name === 'kit-template');
  if (!template) throw new Error('the memory fixture has no kit-template');
  return template.id;
}

const memoryFixture: ConformanceFixture = {
  name: 'memory',
  isolated: true,
  connect: () => memoryConnector(),
  vmSpec: (name) => ({ type: 'vm', name, cpus: 2, memoryMiB: 1024, disks: [{ sizeGiB: 8 }] }),
  containerSpec: (name) => ({
    type: 'container',
    name,
    osTemplate: 'local:vztmpl/debian-12-standard.tar.zst',
  }),
  templateGuestId: templateId,
  factory: { factory: memoryConnectorFactory, config: { nodes: ['node1', 'node2'] } },
  pool: 'kit-pool',
  unknownOperationId: 'memory-operation-that-never-was',
  connectRestricted: () =>
    memoryConnector({
      guests: [
        { type: 'vm', name: 'restricted-running', state: 'running' },
        { type: 'vm', name: 'restricted-stopped' },
        { type: 'vm', name: 'kit-template', template: true, cpus: 2, memoryMiB: 768 },
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
        inventory: { storages: false, networks: false, images: false },
        sources: { template: false, image: false, iso: false },
        bootOrder: false,
        templates: false,
        disks: { add: false, remove: false, resize: true, resizeRunning: false },
        nics: { add: false, remove: false },
        cloudInit: { config: false, hostname: false, userData: false, userDataVolume: false },
        guestConfig: false,
        guestAddresses: [],
      },
    }),
  injectOperationFailure: (connector, { type, guestId }) => {
    asMemory(connector).state.failNext(type, guestId === undefined ? {} : { guestId });
  },
  slowOperations: { connect: () => memoryConnector({ operationDurationMs: 1_000 }) },
};

describeConformance(memoryFixture);

describe('the conformance kit against the memory connector', () => {
  it('has at least 40 cases and the memory fixture meets every need', () => {
    expect(CONFORMANCE_CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CONFORMANCE_CASES.map((c) => c.id)).size).toBe(CONFORMANCE_CASES.length);
    expect(CONFORMANCE_CASES.filter((c) => unmetNeed(memoryFixture, c.needs) !== undefined)).toEqual([]);
  });

  it('registers a case whose fixture member is missing as a skip that names it', async () => {
    const bare: ConformanceFixture = { name: 'bare', connect: () => memoryConnector() };
    expect(await runConformanceCase(bare, 'guests.delete')).toEqual({
      status: 'skipped',
      reason: 'the fixture has no vmSpec or containerSpec',
    });
    expect(await runConformanceCase(bare, 'target.describe-identity')).toEqual({ status: 'passed' });
  });

  it('skips at run time, with the reason, a case whose capability the connector reports missing', async () => {
    const noSnapshots = {
      ...memoryFixture,
      connect: () => memoryConnector({ capabilities: { snapshots: false } }),
    };
    expect(await runConformanceCase(noSnapshots, 'snapshots.delete')).toEqual({
      status: 'skipped',
      reason: 'the connector reports no "snapshots" capability (the restricted cases check UNSUPPORTED)',
    });
  });

  it('skips the watch case, with the reason, for a connector without watch', async () => {
    const noWatch = { ...memoryFixture, connect: () => memoryConnector({ capabilities: { watch: false } }) };
    expect(await runConformanceCase(noWatch, 'watch.sync-added-removed')).toEqual({
      status: 'skipped',
      reason: 'the connector reports no "watch" capability (the restricted cases check UNSUPPORTED)',
    });
  });

  it('rejects an unknown case id', async () => {
    await expect(runConformanceCase(memoryFixture, 'no.such-case')).rejects.toThrow(/no conformance case/);
  });
});

/** The memory connector with some of its methods replaced: a connector broken on purpose. */
function broken(
  inner: HypervisorConnector,
  overrides: (inner: HypervisorConnector) => Partial<HypervisorConnector>,
): HypervisorConnector {
  const replaced = overrides(inner);
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (Object.hasOwn(replaced, key)) return Reflect.get(replaced, key);
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A fixture whose connectors are broken by `overrides`. */
function brokenFixture(
  overrides: (inner: HypervisorConnector) => Partial<HypervisorConnector>,
): ConformanceFixture {
  const wrap = (source: () => HypervisorConnector) => () => broken(source(), overrides);
  return {
    ...memoryFixture,
    connect: wrap(() => memoryConnector()),
    connectRestricted: wrap(memoryFixture.connectRestricted as () => HypervisorConnector),
    slowOperations: { connect: wrap(() => memoryConnector({ operationDurationMs: 1_000 })) },
  };
}

/** An operation that claims success without anything having happened. */
function pretend(type: Operation['type'], guestId: string): Operation {
  const now = new Date().toISOString();
  return {
    id: `pretend-${type}-${guestId}`,
    type,
    guestId,
    status: 'succeeded',
    startedAt: now,
    endedAt: now,
  };
}

/** Answers the wait and lookup of {@link pretend} operations, passing every other id on. */
function pretendOperations(
  inner: HypervisorConnector,
  made: Map<string, Operation>,
): Partial<HypervisorConnector> {
  return {
    waitForOperation: async (id, options) => made.get(id) ?? inner.waitForOperation(id, options),
    getOperation: async (id, options) => made.get(id) ?? inner.getOperation(id, options),
  };
}

const breakages: {
  behaviour: string;
  caseId: string;
  failure: RegExp;
  overrides: (inner: HypervisorConnector) => Partial<HypervisorConnector>;
}[] = [
  {
    behaviour: 'stop leaves the guest running',
    caseId: 'lifecycle.stop',
    failure: /after stop the guest is running/,
    overrides: (inner) => ({
      stopGuest: async (id, options) => ({ ...(await inner.rebootGuest(id, options)), type: 'stop' }),
    }),
  },
  {
    behaviour: 'delete does not delete',
    caseId: 'guests.delete',
    failure: /expected NOT_FOUND, but it succeeded/,
    overrides: (inner) => {
      const made = new Map<string, Operation>();
      return {
        ...pretendOperations(inner, made),
        deleteGuest: async (id) => {
          const operation = pretend('delete', id);
          made.set(operation.id, operation);
          return operation;
        },
      };
    },
  },
  {
    behaviour: 'a capability reported missing is a silent success',
    caseId: 'capabilities.restricted-unsupported',
    failure: /a call needing "snapshots": expected UNSUPPORTED, but it succeeded/,
    overrides: (inner) => {
      const capabilities = { ...inner.capabilities, snapshots: false };
      return {
        capabilities,
        describe: async (options) => ({ ...(await inner.describe(options)), capabilities }),
        listSnapshots: async () => [],
      };
    },
  },
  {
    behaviour: 'an out-of-range spec is quietly corrected',
    caseId: 'input.spec-out-of-range',
    failure: /cpus: 0: expected INVALID_ARGUMENT, but it succeeded/,
    overrides: (inner) => ({
      createGuest: (spec, options) =>
        inner.createGuest({ ...spec, cpus: Math.max(1, spec.cpus ?? 1) }, options),
    }),
  },
  {
    behaviour: 'an unknown guest is a plain Error',
    caseId: 'ids.guest-unknown',
    failure: /got a non-contract error/,
    overrides: (inner) => ({
      getGuest: async (id, options) => {
        try {
          return await inner.getGuest(id, options);
        } catch (error) {
          if (NotFoundError.isInstance(error)) throw new Error(`no guest ${id}`);
          throw error;
        }
      },
    }),
  },
  {
    behaviour: 'waits ignore timeoutMs',
    caseId: 'operations.wait-timeout',
    failure: /expected TIMEOUT, but it succeeded/,
    overrides: (inner) => ({
      waitForOperation: (id, options) => inner.waitForOperation(id, { ...options, timeoutMs: undefined }),
    }),
  },
  {
    behaviour: 'getGuest hands out the connector’s own record',
    caseId: 'data.results-detached',
    failure: /expected .* to be/,
    overrides: (inner) => {
      const shared = new Map<string, Guest>();
      return {
        getGuest: async (id, options) => {
          const guest = shared.get(id) ?? (await inner.getGuest(id, options));
          shared.set(id, guest);
          return guest;
        },
      };
    },
  },
  {
    behaviour: 'a busy guest accepts a second start',
    caseId: 'operations.busy-guest',
    failure: /a second start while the first runs: expected CONFLICT, but it succeeded/,
    overrides: (inner) => {
      const made = new Map<string, Operation>();
      return {
        ...pretendOperations(inner, made),
        startGuest: async (id, options) => {
          const current = await inner.getGuest(id, options);
          if (!current.lock) return inner.startGuest(id, options);
          const operation = pretend('start', id);
          made.set(operation.id, operation);
          return operation;
        },
      };
    },
  },
  {
    behaviour: 'listGuests ignores the type filter',
    caseId: 'guests.filter-type',
    failure: /to not include 'vm\/101'/,
    overrides: (inner) => ({
      listGuests: (filter, options) => inner.listGuests({ ...filter, type: undefined }, options),
    }),
  },
  {
    behaviour: 'an aborted signal is ignored by createGuest',
    caseId: 'abort.create',
    failure: /createGuest\(\): expected CANCELLED, but it succeeded/,
    overrides: (inner) => ({ createGuest: (spec) => inner.createGuest(spec) }),
  },
  {
    behaviour: 'close() does nothing',
    caseId: 'dispose.close',
    failure: /describe\(\) after close\(\): expected UNAVAILABLE, but it succeeded/,
    overrides: () => ({ close: async () => {} }),
  },
  {
    behaviour: 'cancelOperation() does not stop the operation',
    caseId: 'operations.cancel',
    failure: /expected 'succeeded' to be 'cancelled'/,
    overrides: (inner) => ({ cancelOperation: (id, options) => inner.getOperation(id, options) }),
  },
  {
    behaviour: 'waits never call onProgress',
    caseId: 'operations.on-progress',
    failure: /expected 0 to be greater than 0/,
    overrides: (inner) => ({
      waitForOperation: (id, options) => inner.waitForOperation(id, { ...options, onProgress: undefined }),
    }),
  },
  {
    behaviour: 'updateGuest drops the tags',
    caseId: 'guests.update',
    failure: /expected \[\] to deeply equal/,
    overrides: (inner) => ({
      updateGuest: (id, patch, options) => inner.updateGuest(id, { ...patch, tags: undefined }, options),
    }),
  },
  {
    behaviour: 'a migration leaves the guest where it was',
    caseId: 'migration.offline',
    failure: /expected 'node1' to be 'node2'/,
    overrides: (inner) => {
      const made = new Map<string, Operation>();
      return {
        ...pretendOperations(inner, made),
        migrateGuest: async (id) => {
          const operation = pretend('migrate', id);
          made.set(operation.id, operation);
          return operation;
        },
      };
    },
  },
  {
    behaviour: 'metrics come newest first',
    caseId: 'metrics.series',
    failure: /expected \[ .* \] to deeply equal/,
    overrides: (inner) => ({
      getMetrics: async (id, request, options) => {
        const series = await inner.getMetrics(id, request, options);
        return { ...series, points: [...series.points].reverse() };
      },
    }),
  },
  {
    behaviour: 'a console ticket leaks into its raw record',
    caseId: 'console.open',
    failure: /raw record holds the ticket/,
    overrides: (inner) => ({
      openConsole: async (id, request, options) => {
        const ticket = await inner.openConsole(id, request, options);
        return { ...ticket, raw: { ...ticket.raw, ticket: ticket.ticket } };
      },
    }),
  },
  {
    behaviour: 'getGuest puts a Date in the raw record',
    caseId: 'data.plain-results',
    failure: /getGuest\(\)\.raw\.seenAt is a Date instance, not a plain object/,
    overrides: (inner) => ({
      getGuest: async (id, options) => {
        const guest = await inner.getGuest(id, options);
        return { ...guest, raw: { ...guest.raw, seenAt: new Date() } };
      },
    }),
  },
  {
    behaviour: 'describe() hands out the connector’s own capabilities',
    caseId: 'data.results-detached',
    failure: /expected (true|false) to be (true|false)/,
    overrides: (inner) => {
      const capabilities = structuredClone(inner.capabilities);
      return {
        capabilities,
        describe: async (options) => ({ ...(await inner.describe(options)), capabilities }),
      };
    },
  },
  {
    behaviour: 'a linked clone of a guest that is no template is made as a full clone',
    caseId: 'guests.clone-linked-needs-template',
    failure: /a linked clone of a guest that is no template succeeded/,
    overrides: (inner) => ({
      cloneGuest: (id, spec, options) => inner.cloneGuest(id, { ...spec, mode: 'full' }, options),
    }),
  },
  {
    behaviour: 'a container snapshot with memory is refused as INVALID_ARGUMENT without being declared',
    caseId: 'capabilities.guest-type-limits',
    failure: /memorySnapshots on a container: refused with INVALID_ARGUMENT/,
    overrides: (inner) => {
      const { memorySnapshots: _, ...containerLimits } =
        inner.capabilities.unsupportedByGuestType?.container ?? {};
      const capabilities = { ...inner.capabilities, unsupportedByGuestType: { container: containerLimits } };
      return {
        capabilities,
        describe: async (options) => ({ ...(await inner.describe(options)), capabilities }),
        createSnapshot: async (id, spec, options) => {
          if (spec.includeMemory && id.startsWith('container/')) {
            throw new InvalidArgumentError('invalid input: includeMemory: containers have no memory state', {
              violations: [{ field: 'includeMemory', message: 'containers have no memory state' }],
            });
          }
          return inner.createSnapshot(id, spec, options);
        },
      };
    },
  },
  {
    behaviour: 'a limit declared for containers is not enforced',
    caseId: 'capabilities.guest-type-limits',
    failure: /reset on a container: expected UNSUPPORTED, but it succeeded/,
    overrides: (inner) => {
      const capabilities = {
        ...inner.capabilities,
        unsupportedByGuestType: { container: { reset: 'declared, then ignored' } },
      };
      return {
        capabilities,
        describe: async (options) => ({ ...(await inner.describe(options)), capabilities }),
        resetGuest: (id, options) =>
          id.startsWith('container/') ? inner.rebootGuest(id, options) : inner.resetGuest(id, options),
      };
    },
  },
  {
    behaviour: 'listStorages ignores the content kinds asked',
    caseId: 'inventory.storages-filter',
    failure: /storages with disk/,
    overrides: (inner) => ({
      listStorages: (query, options) => inner.listStorages({ ...query, contentKinds: undefined }, options),
    }),
  },
  {
    behaviour: 'listImages pages by position and skips an item after each page',
    caseId: 'inventory.paging',
    failure: /in pages of 1/,
    overrides: (inner) => ({
      listImages: async (query, options) => {
        const offset = Number(query?.pageToken ?? 0);
        const all = await inner.listImages({ pageSize: 1000 }, options);
        const size = query?.pageSize ?? 100;
        const items = all.items.slice(offset, offset + size);
        const next = offset + size + 1 < all.items.length ? String(offset + size + 1) : undefined;
        return next === undefined ? { items } : { items, nextPageToken: next };
      },
    }),
  },
  {
    behaviour: 'a page token of another query is taken as a cursor',
    caseId: 'inventory.page-token-foreign',
    failure:
      /a token of listStorages\(\) given to listStorages\(\{ contentKinds \}\): expected INVALID_ARGUMENT/,
    overrides: (inner) => ({
      listStorages: (query, options) =>
        query?.pageToken !== undefined && query.contentKinds !== undefined
          ? inner.listStorages({ pageSize: query.pageSize }, options)
          : inner.listStorages(query, options),
    }),
  },
  {
    behaviour: 'a watch starts without a sync',
    caseId: 'watch.sync-added-removed',
    failure: /first event/,
    overrides: (inner) => ({
      watchGuests: (filter, options) => ({
        async *[Symbol.asyncIterator]() {
          for await (const event of inner.watchGuests(filter, options))
            if (event.type !== 'sync') yield event;
        },
      }),
    }),
  },
  {
    behaviour: 'an unknown storage lists nothing instead of NOT_FOUND',
    caseId: 'inventory.unknown-names',
    failure: /listImages\(\{ storage \}\): expected NOT_FOUND, but it succeeded/,
    overrides: (inner) => ({
      listImages: async (query, options) =>
        query?.storage === 'kit-no-such-storage' ? { items: [] } : inner.listImages(query, options),
    }),
  },
  {
    behaviour: 'resizeDisk takes the size as a delta',
    caseId: 'disks.resize',
    failure: /after growing/,
    overrides: (inner) => ({
      resizeDisk: async (id, slot, resize, options) => {
        const disk = (await inner.getGuestConfig(id)).disks.find((d) => d.slot === slot);
        const current = (disk?.sizeBytes ?? 0) / 1024 ** 3;
        return inner.resizeDisk(id, slot, { ...resize, sizeGiB: current + resize.sizeGiB }, options);
      },
    }),
  },
  {
    behaviour: 'a shrink is quietly ignored',
    caseId: 'disks.resize',
    failure: /resizeDisk\(\) to a smaller size: expected INVALID_ARGUMENT, but it succeeded/,
    overrides: (inner) => ({
      resizeDisk: async (id, slot, resize, options) => {
        const disk = (await inner.getGuestConfig(id)).disks.find((d) => d.slot === slot);
        const current = (disk?.sizeBytes ?? 0) / 1024 ** 3;
        return inner.resizeDisk(id, slot, { ...resize, sizeGiB: Math.max(current, resize.sizeGiB) }, options);
      },
    }),
  },
  {
    behaviour: 'getGuestConfig shows the cloud-init password',
    caseId: 'sources.image',
    failure: /shows the cloud-init password/,
    overrides: (inner) => ({
      getGuestConfig: async (id, options) => {
        const config = await inner.getGuestConfig(id, options);
        return config.cloudInit
          ? { ...config, raw: { ...config.raw, cipassword: 'kit-Secret-pw-9f3b' } }
          : config;
      },
    }),
  },
  {
    behaviour: 'an ISO source is not booted from first',
    caseId: 'sources.iso',
    failure: /an ISO source boots from the CD-ROM first/,
    overrides: (inner) => ({
      getGuestConfig: async (id, options) => {
        const config = await inner.getGuestConfig(id, options);
        return { ...config, boot: ['disk', 'cdrom'] };
      },
    }),
  },
  {
    behaviour: 'a running guest is made a template',
    caseId: 'templates.convert',
    failure: /convertToTemplate\(\) of a running guest: expected CONFLICT, but it succeeded/,
    overrides: (inner) => {
      const made = new Map<string, Operation>();
      return {
        ...pretendOperations(inner, made),
        convertToTemplate: async (id, options) => {
          if ((await inner.getGuest(id, options)).state === 'stopped')
            return inner.convertToTemplate(id, options);
          const operation = pretend('template.convert', id);
          made.set(operation.id, operation);
          return operation;
        },
      };
    },
  },
  {
    behaviour: 'an unknown network is dropped from the spec',
    caseId: 'input.provisioning-unknown-names',
    failure: /an unknown network: expected NOT_FOUND, but it succeeded/,
    overrides: (inner) => ({
      createGuest: (spec, options) => inner.createGuest({ ...spec, nics: [] }, options),
    }),
  },
  {
    behaviour: 'getGuestAddresses leaves out a source it was asked',
    caseId: 'addresses.running',
    failure: /every source asked answers/,
    overrides: (inner) => ({
      getGuestAddresses: async (id, request, options) => ({
        ...(await inner.getGuestAddresses(id, request, options)),
        sources: {},
      }),
    }),
  },
  {
    behaviour: 'removeNic leaves the NIC in place',
    caseId: 'nics.add-remove',
    failure: /expected \[ .* \] to deeply equal/,
    overrides: (inner) => {
      const made = new Map<string, Operation>();
      return {
        ...pretendOperations(inner, made),
        removeNic: async (id) => {
          const operation = pretend('nic.remove', id);
          made.set(operation.id, operation);
          return operation;
        },
      };
    },
  },
];

describe('the conformance kit catches a broken connector', () => {
  for (const { behaviour, caseId, failure, overrides } of breakages) {
    it(`${caseId} fails when ${behaviour}, and passes unbroken`, async () => {
      await expect(runConformanceCase(brokenFixture(overrides), caseId)).rejects.toThrow(failure);
      await expect(runConformanceCase(memoryFixture, caseId)).resolves.toEqual({ status: 'passed' });
    });
  }
});
