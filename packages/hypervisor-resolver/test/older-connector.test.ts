import {
  type ConnectorFactory,
  type HypervisorConnector,
  SPECIFICATION_VERSION,
} from '@hvc/hypervisor-connector';
import { type MemoryConnectorConfig, memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { describe, expect, it } from 'vitest';

const INVENTORY = ['listStorages', 'listNetworks', 'listImages'];

/**
 * A factory whose connectors are plain objects written against v1 before the inventory methods: the memory
 * connector's members, less those methods and the capability group.
 */
const olderFactory: ConnectorFactory<MemoryConnectorConfig> = {
  kind: 'older',
  specificationVersion: SPECIFICATION_VERSION,
  configSchema: memoryConnectorFactory.configSchema,
  create(config, context) {
    const inner = memoryConnectorFactory.create(config, context);
    const { inventory: _, ...capabilities } = inner.capabilities;
    const older: Record<PropertyKey, unknown> = { kind: 'older', capabilities };
    for (const key of [...Object.keys(inner), Symbol.asyncDispose]) {
      if (INVENTORY.includes(String(key)) || key === 'kind' || key === 'capabilities') continue;
      older[key] = (inner as unknown as Record<PropertyKey, unknown>)[key];
    }
    return older as unknown as HypervisorConnector;
  },
};

describe('a connector written against an earlier v1', () => {
  it('resolves, works, and answers UNSUPPORTED naming the capability for the methods it lacks', async () => {
    const resolver = createResolver({
      connectors: { older: olderFactory },
      targets: [{ id: 'old-1', kind: 'older', config: {} }],
    });
    const connector = await resolver.resolve('old-1');
    expect((await connector.listNodes()).length).toBeGreaterThan(0);
    for (const [call, capability] of [
      [() => connector.listStorages(), 'inventory.storages'],
      [() => connector.listNetworks({ kinds: ['bridge'] }), 'inventory.networks'],
      [() => connector.listImages(), 'inventory.images'],
    ] as const) {
      await expect(call()).rejects.toMatchObject({ code: 'UNSUPPORTED', details: { capability } });
    }
    await resolver.close();
  });
});
