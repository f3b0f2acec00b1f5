import {
  FULL_CAPABILITIES,
  isHypervisorError,
  OPTIONAL_CAPABILITIES_MISSING,
  SPECIFICATION_VERSION,
} from '@hvc/hypervisor-connector';
import {
  createManualClock,
  createMemoryConnector,
  MEMORY_UNSUPPORTED_BY_GUEST_TYPE,
  MemoryConnectorConfigSchema,
  memoryConnectorFactory,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

function fieldsOf(config: unknown): string[] {
  const result = MemoryConnectorConfigSchema.safeParse(config);
  if (result.success) return [];
  return result.error.issues.map((issue) => issue.path.join('.'));
}

describe('memory connector config', () => {
  it('fills in the defaults', () => {
    const config = MemoryConnectorConfigSchema.parse({});
    expect(config).toEqual({
      nodes: ['node1', 'node2'],
      guests: [],
      operationDurationMs: 20,
      version: '1.0.0',
      latencyMs: 0,
    });
  });

  it('accepts functions and clocks as they are', () => {
    const clock = createManualClock();
    const failOperations = () => undefined;
    const config = MemoryConnectorConfigSchema.parse({ clock, failOperations });
    expect(config.clock).toBe(clock);
    expect(config.failOperations).toBe(failOperations);
  });

  it.each([
    [{ nodes: ['bad node'] }, 'nodes.0'],
    [{ nodes: [] }, 'nodes'],
    [{ nodes: ['a', 'a'] }, 'nodes'],
    [{ guests: [{ type: 'vm', name: 'x', node: 'elsewhere' }] }, 'guests.0.node'],
    [{ guests: [{ type: 'vm', name: 'x', template: true, state: 'running' }] }, 'guests.0.state'],
    [{ guests: [{ type: 'box', name: 'x' }] }, 'guests.0.type'],
    [{ guests: [{ type: 'vm', name: 'not a name' }] }, 'guests.0.name'],
    [{ operationDurationMs: -1 }, 'operationDurationMs'],
    [{ operationDurationMs: 1.5 }, 'operationDurationMs'],
    [{ latencyMs: -5 }, 'latencyMs'],
    [{ capabilities: { clone: { deep: true } } }, 'capabilities.clone'],
    [{ failOperations: 'yes' }, 'failOperations'],
    [{ clock: { now: () => 0 } }, 'clock'],
    [{ color: 'blue' }, ''],
  ])('rejects %j at %s', (config, field) => {
    expect(fieldsOf(config)).toContain(field);
  });

  it('createMemoryConnector throws INVALID_ARGUMENT naming the field', () => {
    let caught: unknown;
    try {
      createMemoryConnector({ nodes: ['no spaces'] });
    } catch (error) {
      caught = error;
    }
    expect(isHypervisorError(caught, 'INVALID_ARGUMENT')).toBe(true);
    expect(caught).toMatchObject({ violations: [{ field: 'nodes.0' }] });
  });

  it('merges a capability override with the full set, nested groups field by field', async () => {
    const connector = createMemoryConnector({
      capabilities: {
        snapshots: false,
        clone: { linked: false },
        migration: { live: false },
        console: ['vnc'],
        sources: { iso: false },
        disks: { resizeRunning: false },
        nics: { remove: false },
        cloudInit: { userData: false },
        inventory: { images: false },
        templates: false,
        guestAddresses: [],
      },
    });
    expect(connector.capabilities).toEqual({
      ...FULL_CAPABILITIES,
      ...OPTIONAL_CAPABILITIES_MISSING,
      inventory: { storages: true, networks: true, images: false },
      sources: { template: true, image: true, iso: false },
      bootOrder: true,
      templates: false,
      disks: { add: true, remove: true, resize: true, resizeRunning: false },
      nics: { add: true, remove: false },
      cloudInit: { config: true, hostname: true, userData: false, userDataVolume: true },
      guestConfig: true,
      guestAddresses: [],
      watch: true,
      operationList: true,
      snapshots: false,
      clone: { full: true, linked: false },
      migration: { offline: true, live: false },
      console: ['vnc'],
      consoleStream: ['vnc'],
      unsupportedByGuestType: MEMORY_UNSUPPORTED_BY_GUEST_TYPE,
    });
    expect((await connector.describe()).capabilities).toEqual(connector.capabilities);
  });

  it('has every provisioning group on by default, addresses from its host, and refuses an unknown flag', () => {
    expect(createMemoryConnector().capabilities).toMatchObject({
      sources: { template: true, image: true, iso: true },
      bootOrder: true,
      templates: true,
      disks: { add: true, remove: true, resize: true, resizeRunning: true },
      nics: { add: true, remove: true },
      cloudInit: { config: true, hostname: true, userData: true, userDataVolume: true },
      guestConfig: true,
      guestAddresses: ['host'],
    });
    expect(() => createMemoryConnector({ capabilities: { disks: { shrink: true } } as never })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        violations: [{ field: 'capabilities.disks.shrink', message: 'unknown field' }],
      }),
    );
  });

  it('numbers seed guests from 100 in order, one counter for both types', async () => {
    const connector = createMemoryConnector({
      nodes: ['alpha', 'beta'],
      guests: [
        { type: 'vm', name: 'web-1', state: 'running', cpus: 2, memoryMiB: 1024, tags: ['web'] },
        { type: 'container', name: 'db-1', node: 'beta' },
        { type: 'vm', name: 'tpl', template: true },
      ],
    });
    const guests = await connector.listGuests();
    expect(guests.map((guest) => [guest.id, guest.name, guest.node, guest.state, guest.template])).toEqual([
      ['vm/100', 'web-1', 'alpha', 'running', false],
      ['container/101', 'db-1', 'beta', 'stopped', false],
      ['vm/102', 'tpl', 'alpha', 'stopped', true],
    ]);
    expect(guests[0]?.resources).toMatchObject({ cpus: 2, memoryBytes: 1024 * 1024 * 1024 });
    expect(guests[0]?.tags).toEqual(['web']);
  });
});

describe('memoryConnectorFactory', () => {
  it('is kind memory, spec v1', () => {
    expect(memoryConnectorFactory.kind).toBe('memory');
    expect(memoryConnectorFactory.specificationVersion).toBe(SPECIFICATION_VERSION);
  });

  it('creates a working connector from the schema output', async () => {
    const config = memoryConnectorFactory.configSchema.parse({
      nodes: ['n1'],
      version: '9.9.9',
      clusterName: 'lab',
    });
    const connector = memoryConnectorFactory.create(config, { targetId: 'lab-1' });
    expect(connector.kind).toBe('memory');
    expect(connector.specificationVersion).toBe('v1');
    const info = await connector.describe();
    expect(info).toMatchObject({
      kind: 'memory',
      specificationVersion: 'v1',
      version: '9.9.9',
      clusterName: 'lab',
    });
    expect(info.nodes.map((node) => node.name)).toEqual(['n1']);
    await connector.close();
  });

  it('puts the target id in its errors', async () => {
    const connector = memoryConnectorFactory.create({}, { targetId: 'lab-1' });
    await expect(connector.getGuest('vm/999')).rejects.toMatchObject({ code: 'NOT_FOUND', target: 'lab-1' });
  });

  it('validates a config given to create directly', () => {
    expect(() => memoryConnectorFactory.create({ operationDurationMs: -1 })).toThrow(/operationDurationMs/);
  });
});
