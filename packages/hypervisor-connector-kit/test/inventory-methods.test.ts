import { FULL_CAPABILITIES, type HypervisorConnector, type Storage } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { defineConnector, pageOf, wrapConnector } from '../src/index.js';
import { recording } from './support/recording-implementation.js';
import { rejection } from './support/rejection.js';

const storage = (id: string): Storage => ({
  id,
  type: 'dir',
  contentKinds: ['iso'],
  shared: false,
  availability: [{ node: 'n1', active: true }],
  enabled: true,
  raw: {},
});

describe('the inventory methods of defineConnector', () => {
  it('hand the implementation the validated query with its defaults', async () => {
    const queries: unknown[] = [];
    const connector = defineConnector(
      recording({
        listStorages: async (query) => {
          queries.push(query);
          return pageOf('storages', [storage('b'), storage('a')], query, (s) => s.id);
        },
      }).implementation,
    );
    const page = await connector.listStorages({ contentKinds: ['iso'], pageSize: 1 });
    expect(page.items.map((s) => s.id)).toEqual(['a']);
    expect(queries).toEqual([{ contentKinds: ['iso'], pageSize: 1 }]);
    await connector.listStorages();
    expect(queries[1]).toEqual({ pageSize: 100 });
  });

  it('refuse a bad query with INVALID_ARGUMENT before the implementation runs', async () => {
    let called = 0;
    const connector = defineConnector(
      recording({
        listNetworks: async () => {
          called++;
          return { items: [] };
        },
      }).implementation,
    );
    expect(await rejection(connector.listNetworks({ pageSize: 0 }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      target: 'lab-1',
      details: { violations: [{ field: 'pageSize' }] },
    });
    expect(called).toBe(0);
  });

  it('answer UNSUPPORTED naming the capability when the implementation has no such method', async () => {
    const connector = defineConnector(recording().implementation);
    for (const [call, capability] of [
      [() => connector.listStorages(), 'inventory.storages'],
      [() => connector.listNetworks(), 'inventory.networks'],
      [() => connector.listImages({ kinds: ['iso'] }), 'inventory.images'],
    ] as const) {
      expect(await rejection(call())).toMatchObject({ code: 'UNSUPPORTED', details: { capability } });
    }
  });

  it('answer UNSUPPORTED when the capability is declared missing, even with an implementation', async () => {
    let called = 0;
    const connector = defineConnector(
      recording({
        capabilities: { ...FULL_CAPABILITIES, inventory: { storages: true, networks: true, images: false } },
        listImages: async () => {
          called++;
          return { items: [] };
        },
      }).implementation,
    );
    expect(await rejection(connector.listImages())).toMatchObject({
      code: 'UNSUPPORTED',
      details: { capability: 'inventory.images' },
    });
    const { inventory: _, ...older } = FULL_CAPABILITIES;
    const withoutGroup = defineConnector(
      recording({ capabilities: older, listImages: async () => ({ items: [] }) }).implementation,
    );
    expect(await rejection(withoutGroup.listImages())).toMatchObject({ code: 'UNSUPPORTED' });
    expect(called).toBe(0);
  });
});

describe('wrapConnector over a connector object without the inventory methods', () => {
  it('answers UNSUPPORTED naming the capability, through the middleware, instead of a TypeError', async () => {
    const inner = defineConnector(recording().implementation);
    const older = Object.fromEntries(
      Object.entries(inner).filter(([key]) => !['listStorages', 'listNetworks', 'listImages'].includes(key)),
    ) as unknown as HypervisorConnector;
    const seen: string[] = [];
    const wrapped = wrapConnector(older, {
      call: (call, next) => {
        seen.push(call.method);
        return next();
      },
    });
    expect(await rejection(wrapped.listStorages())).toMatchObject({
      code: 'UNSUPPORTED',
      details: { capability: 'inventory.storages' },
    });
    expect(await rejection(wrapped.listImages())).toMatchObject({
      details: { capability: 'inventory.images' },
    });
    expect(seen).toEqual(['listStorages', 'listImages']);
    expect(await wrapped.listNodes()).toEqual([]);
  });
});
