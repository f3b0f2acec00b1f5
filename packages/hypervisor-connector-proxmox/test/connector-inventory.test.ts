import { iteratePages } from '@hvc/hypervisor-connector';
import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxConnector, type ProxmoxConnector } from '../src/index.js';

const GiB = 1024 ** 3;

/**
 * listStorages, listNetworks and listImages over HTTPS against the PVE fake. Users get roles made here, so each
 * case names the privileges it relies on.
 */
describe('the Proxmox connector inventory', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let root: ProxmoxConnector;

  const connect = (credentials: Parameters<typeof createProxmoxConnector>[0]['credentials']) =>
    createProxmoxConnector({
      endpoints: [server.url],
      credentials,
      tls: { fingerprint: server.fingerprint },
    });
  const asUser = (userid: string) => connect({ username: userid, password: 'inventory-pw' });

  beforeAll(async () => {
    fake = createPveFake({
      nodes: ['pve1', 'pve2'],
      guests: [
        { type: 'qemu', vmid: 9000, name: 'golden-vm', template: true, node: 'pve2' },
        { type: 'lxc', vmid: 9001, name: 'golden-ct', template: true, node: 'pve1' },
        { type: 'qemu', vmid: 100, name: 'web', node: 'pve1' },
      ],
      storages: [
        {
          id: 'local',
          type: 'dir',
          content: ['iso', 'vztmpl', 'import', 'snippets', 'backup'],
          total: 100 * GiB,
        },
        { id: 'local-lvm', type: 'lvmthin', content: ['images', 'rootdir'], total: 400 * GiB },
        { id: 'cephfs', type: 'nfs', content: ['images', 'iso'], shared: true, total: 2048 * GiB },
        { id: 'attic', type: 'dir', content: ['backup'], disable: true },
      ],
      sdn: {
        zones: [
          { zone: 'zone1', type: 'vlan', bridge: 'vmbr0' },
          { zone: 'edge', type: 'simple', nodes: ['pve2'] },
        ],
        vnets: [
          { vnet: 'vnet100', zone: 'zone1', tag: 100, alias: 'tenant' },
          { vnet: 'edgenet', zone: 'edge', vlanaware: true },
        ],
      },
    });
    server = await fake.listen();
    root = connect({ tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret });
    fake.addRole('HvcStorageAudit', ['Datastore.Audit']);
    fake.addRole('HvcSdnUse', ['SDN.Use']);
    fake.addRole('HvcVmAudit', ['VM.Audit']);
  });
  afterAll(async () => {
    await root.close();
    await fake.close();
  });

  it('lists storages with their content kinds, nodes and space: totals for shared ones only', async () => {
    const { items, nextPageToken } = await root.listStorages();
    expect(nextPageToken).toBeUndefined();
    expect(items.map((s) => s.id)).toEqual(['attic', 'cephfs', 'local', 'local-lvm']);
    const [attic, cephfs, local, lvm] = items;
    expect(local).toMatchObject({
      type: 'dir',
      contentKinds: ['iso', 'container-template', 'image', 'snippet', 'backup'],
      shared: false,
      enabled: true,
    });
    expect(local!.availability.map((a) => [a.node, a.active, a.capacityBytes])).toEqual([
      ['pve1', true, 100 * GiB],
      ['pve2', true, 100 * GiB],
    ]);
    expect(local!.capacityBytes).toBeUndefined();
    expect(lvm!.contentKinds).toEqual(['disk', 'container-rootfs']);
    expect(cephfs).toMatchObject({ shared: true, capacityBytes: 2048 * GiB, contentKinds: ['disk', 'iso'] });
    expect(cephfs!.freeBytes).toBeLessThanOrEqual(2048 * GiB);
    expect(attic!.enabled).toBe(false);
    expect((await root.listStorages({ contentKinds: ['image'] })).items.map((s) => s.id)).toEqual(['local']);
    expect((await root.listStorages({ contentKinds: ['disk', 'iso'] })).items.map((s) => s.id)).toEqual([
      'cephfs',
    ]);
  });

  it('lists only the storages the user has Datastore.Audit on, and pages them with keyset tokens', async () => {
    fake.addUser({ userid: 'store@pve', password: 'inventory-pw' });
    fake.setAcl({ path: '/storage/local', roles: 'HvcStorageAudit', user: 'store@pve' });
    fake.setAcl({ path: '/storage/cephfs', roles: 'HvcStorageAudit', user: 'store@pve' });
    const store = asUser('store@pve');
    try {
      const first = await store.listStorages({ pageSize: 1 });
      expect(first.items.map((s) => s.id)).toEqual(['cephfs']);
      const second = await store.listStorages({ pageSize: 1, pageToken: first.nextPageToken });
      expect(second).toEqual({ items: [expect.objectContaining({ id: 'local' })] });
      await expect(
        store.listStorages({ node: 'pve1', pageToken: first.nextPageToken }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { violations: [{ field: 'pageToken' }] },
      });
    } finally {
      await store.close();
    }
  });

  it('lists bridges and SDN VNets, each once with the nodes it is on, zone and tag from the cluster', async () => {
    const { items } = await root.listNetworks();
    expect(items.map((n) => [n.id, n.kind, n.nodes])).toEqual([
      ['edgenet', 'vnet', ['pve2']],
      ['vmbr0', 'bridge', ['pve1', 'pve2']],
      ['vnet100', 'vnet', ['pve1', 'pve2']],
    ]);
    expect(items[0]).toMatchObject({ zone: 'edge', vlanAware: true });
    expect(items[1]).toMatchObject({ vlanAware: false, cidr: '10.0.0.0/24' });
    expect(items[2]).toMatchObject({ zone: 'zone1', vlanTag: 100, description: 'tenant', vlanAware: false });
    expect((await root.listNetworks({ kinds: ['vnet'], node: 'pve1' })).items.map((n) => n.id)).toEqual([
      'vnet100',
    ]);
    await expect(root.listNetworks({ node: 'pve9' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'node', id: 'pve9' },
    });
  });

  it('shows a user only the bridges and VNets it has SDN.Use on (and no zone it may not audit)', async () => {
    fake.addUser({ userid: 'net@pve', password: 'inventory-pw' });
    fake.setAcl({ path: '/sdn/zones/edge/edgenet', roles: 'HvcSdnUse', user: 'net@pve' });
    const net = asUser('net@pve');
    try {
      const { items } = await net.listNetworks();
      expect(items.map((n) => n.id)).toEqual(['edgenet']);
      // SDN.Use lets a VNet show on the node, but /cluster/sdn/vnets wants SDN.Audit: the zone stays unknown.
      expect(items[0]!.zone).toBeUndefined();
      expect(items[0]!.vlanAware).toBe(true);
    } finally {
      await net.close();
    }
  });

  it('lists ISOs, container templates and disk images per node of local storage and once for shared, and templates', async () => {
    const images: string[] = [];
    for await (const image of iteratePages((page) => root.listImages({ ...page, pageSize: 2 }))) {
      images.push(`${image.kind} ${image.id}${image.node ? ` @${image.node}` : ''}`);
    }
    expect(images).toEqual(
      [
        'iso local:iso/debian-12.7.0-amd64-netinst.iso @pve1',
        'iso local:iso/debian-12.7.0-amd64-netinst.iso @pve2',
        'disk-image local:import/noble-server-cloudimg-amd64.qcow2 @pve1',
        'disk-image local:import/noble-server-cloudimg-amd64.qcow2 @pve2',
        'container-template local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst @pve1',
        'container-template local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst @pve2',
        'template lxc/9001 @pve1',
        'template qemu/9000 @pve2',
      ].sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    );
    const { items } = await root.listImages({ kinds: ['template'] });
    expect(items).toEqual([
      expect.objectContaining({ id: 'lxc/9001', name: 'golden-ct', guestType: 'container', node: 'pve1' }),
      expect.objectContaining({ id: 'qemu/9000', name: 'golden-vm', guestType: 'vm', node: 'pve2' }),
    ]);
    const [disk] = (await root.listImages({ kinds: ['disk-image'], node: 'pve2' })).items;
    expect(disk).toMatchObject({
      name: 'noble-server-cloudimg-amd64.qcow2',
      storage: 'local',
      node: 'pve2',
      format: 'qcow2',
    });
    expect(disk!.sizeBytes).toBeGreaterThan(0);
    expect(disk!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await root.listImages({ storage: 'local-lvm' })).items).toEqual([]);
    expect((await root.listImages({ namePrefix: 'golden-v' })).items.map((i) => i.id)).toEqual(['qemu/9000']);
    await expect(root.listImages({ storage: 'nowhere' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'storage', id: 'nowhere', field: 'storage' },
    });
  });

  it('lists as images only what the user may read: storages with Datastore.Audit, templates with VM.Audit', async () => {
    fake.addUser({ userid: 'img@pve', password: 'inventory-pw' });
    fake.setAcl({ path: '/storage/local', roles: 'HvcStorageAudit', user: 'img@pve' });
    fake.setAcl({ path: '/vms/9000', roles: 'HvcVmAudit', user: 'img@pve' });
    const img = asUser('img@pve');
    try {
      const kinds = new Set((await img.listImages()).items.map((i) => `${i.kind}:${i.storage ?? i.id}`));
      expect([...kinds].sort()).toEqual([
        'container-template:local',
        'disk-image:local',
        'iso:local',
        'template:qemu/9000',
      ]);
    } finally {
      await img.close();
    }
  });
});

/** The order images are paged in: id, then node. */
function key(line: string): string {
  const [, id, node] = /^\S+ (\S+)(?: @(\S+))?$/.exec(line)!;
  return node === undefined ? id! : `${id}\u0000${node}`;
}
