import { iteratePages } from '@hvc/hypervisor-connector';
import { createMemoryConnector, DEFAULT_MEMORY_INVENTORY } from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

describe('the memory connector inventory', () => {
  it('lists the default storages, networks and images, with the templates among the images', async () => {
    const connector = createMemoryConnector({
      nodes: ['a', 'b'],
      guests: [{ type: 'vm', name: 'golden', node: 'b', template: true }],
    });
    const storages = await connector.listStorages();
    expect(storages.items.map((s) => s.id)).toEqual(
      DEFAULT_MEMORY_INVENTORY.storages.map((s) => s.id).sort(),
    );
    const local = storages.items.find((s) => s.id === 'local')!;
    expect(local.availability.map((a) => a.node)).toEqual(['a', 'b']);
    expect(local.capacityBytes).toBeUndefined();
    const shared = storages.items.find((s) => s.shared)!;
    expect(shared.capacityBytes).toBe(2048 * 1024 ** 3);
    expect(shared.freeBytes).toBe(1536 * 1024 ** 3);
    expect((await connector.listNetworks({ kinds: ['vnet'] })).items).toMatchObject([
      { id: 'vnet100', kind: 'vnet', zone: 'zone1', vlanTag: 100, nodes: ['a', 'b'] },
    ]);
    const images = (await connector.listImages()).items;
    expect(images.find((i) => i.kind === 'template')).toMatchObject({
      id: 'vm/100',
      name: 'golden',
      node: 'b',
      guestType: 'vm',
    });
    expect(images.find((i) => i.kind === 'disk-image')).toMatchObject({
      id: 'shared-nfs:import/noble-server-cloudimg-amd64.qcow2',
      name: 'noble-server-cloudimg-amd64.qcow2',
      storage: 'shared-nfs',
      format: 'qcow2',
      virtualSizeBytes: 3_758_096_384,
    });
    expect(images.find((i) => i.id === 'local:iso/debian-12.7.0-amd64-netinst.iso')?.node).toBe('a');
    await connector.close();
  });

  it('lists the inventory the config gives, one local volume per node apart', async () => {
    const connector = createMemoryConnector({
      nodes: ['n1', 'n2', 'n3'],
      inventory: {
        storages: [
          { id: 'iso-store', contentKinds: ['iso'], nodes: ['n1', 'n2'] },
          { id: 'ceph', type: 'rbd', contentKinds: ['disk'], shared: true, nodes: ['n2', 'n3'] },
        ],
        networks: [{ id: 'br-lab', kind: 'bridge', nodes: ['n3'], cidr: '10.9.0.0/24', dhcp: true }],
        images: [
          { storage: 'iso-store', path: 'iso/alpine.iso', kind: 'iso', node: 'n2' },
          { storage: 'iso-store', path: 'iso/alpine.iso', kind: 'iso', node: 'n1' },
        ],
      },
    });
    expect((await connector.listStorages({ node: 'n3' })).items.map((s) => s.id)).toEqual(['ceph']);
    expect((await connector.listStorages({ contentKinds: ['iso'] })).items.map((s) => s.id)).toEqual([
      'iso-store',
    ]);
    expect((await connector.listNetworks({ node: 'n1' })).items).toEqual([]);
    expect((await connector.listNetworks()).items[0]).toMatchObject({
      id: 'br-lab',
      dhcp: true,
      vlanAware: false,
    });
    const all: string[] = [];
    for await (const image of iteratePages((page) => connector.listImages({ ...page, pageSize: 1 }))) {
      all.push(`${image.id}@${image.node}`);
    }
    expect(all).toEqual(['iso-store:iso/alpine.iso@n1', 'iso-store:iso/alpine.iso@n2']);
    expect((await connector.listImages({ node: 'n2' })).items.map((i) => i.node)).toEqual(['n2']);
    await expect(connector.listImages({ storage: 'ceph2' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'storage', id: 'ceph2', field: 'storage' },
    });
    await expect(connector.listStorages({ node: 'n4' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await connector.close();
  });

  it.each([
    [
      'an image on an unknown storage',
      { images: [{ storage: 'nope', path: 'iso/a.iso', kind: 'iso' }] },
      'inventory.images.0.storage',
    ],
    [
      'an image a storage cannot hold',
      { images: [{ storage: 'local-lvm', path: 'iso/a.iso', kind: 'iso' }] },
      'inventory.images.0.kind',
    ],
    [
      'a node on an image of shared storage',
      { images: [{ storage: 'shared-nfs', path: 'iso/a.iso', kind: 'iso', node: 'node1' }] },
      'inventory.images.0.node',
    ],
    [
      'a storage on an unknown node',
      { storages: [{ id: 's', contentKinds: [], nodes: ['node9'] }] },
      'inventory.storages.0.nodes.0',
    ],
    [
      'two networks of one id',
      {
        networks: [
          { id: 'br', kind: 'bridge' },
          { id: 'br', kind: 'vnet' },
        ],
      },
      'inventory.networks.1.id',
    ],
    [
      'a volume path with ..',
      { images: [{ storage: 'local', path: '../a.iso', kind: 'iso' }] },
      'inventory.images.0.path',
    ],
  ] as const)('refuses %s with INVALID_ARGUMENT naming the field', (_what, inventory, field) => {
    expect(() => createMemoryConnector({ inventory: inventory as never })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        details: { violations: expect.arrayContaining([expect.objectContaining({ field })]) },
      }),
    );
  });

  it('answers UNSUPPORTED for an inventory capability the config switches off', async () => {
    const connector = createMemoryConnector({ capabilities: { inventory: { networks: false } } });
    await expect(connector.listNetworks()).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      details: { capability: 'inventory.networks' },
    });
    expect((await connector.listStorages()).items.length).toBeGreaterThan(0);
    await connector.close();
  });
});
