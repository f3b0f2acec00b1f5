import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake, type PveFakeServer } from '../src/index.js';
import { createRawClient, type RawAuth, type RawPveClient } from './support/raw-client.js';

type Data<T = unknown> = { data: T };
type Row = Record<string, unknown>;

/**
 * The inventory reads of the fake, each as PVE's code has it. The users get roles made here (not the built-in
 * ones), so the privileges each case relies on are the ones it names.
 */
describe('PVE fake inventory: storage configuration, SDN VNets, bridges', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let api: RawPveClient;
  let root: RawAuth;

  const login = async (username: string): Promise<RawAuth> => {
    const res = await api.call('POST', '/access/ticket', { username, password: 'secret-pw' }, null);
    expect(res.status, res.reason).toBe(200);
    return { ticket: (res.body as Data<{ ticket: string }>).data.ticket };
  };
  const get = async (path: string, auth: RawAuth, params: Record<string, string> = {}) => {
    const res = await api.call('GET', path, params, auth);
    expect(res.status, `${path}: ${res.reason}`).toBe(200);
    return (res.body as Data<Row[]>).data;
  };
  const ids = (rows: Row[], key: string) => rows.map((r) => String(r[key]));

  beforeAll(async () => {
    fake = createPveFake({
      nodes: ['pve1', 'pve2'],
      guests: [{ vmid: 100 }, { vmid: 9000, template: true, node: 'pve2' }],
      storages: [
        { id: 'local', type: 'dir', content: ['iso', 'vztmpl', 'import', 'snippets', 'backup'] },
        { id: 'local-lvm', type: 'lvmthin', content: ['images', 'rootdir'] },
        { id: 'nfs-iso', type: 'nfs', content: ['iso'], shared: true, nodes: ['pve2'] },
        { id: 'old', type: 'dir', content: ['backup'], disable: true },
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
    api = createRawClient(server, null);
    const res = await api.call(
      'POST',
      '/access/ticket',
      { username: 'root@pam', password: fake.credentials.password },
      null,
    );
    root = { ticket: (res.body as Data<{ ticket: string }>).data.ticket };
    fake.addRole('HvcStorageAudit', ['Datastore.Audit']);
    fake.addRole('HvcSdnUse', ['SDN.Use']);
    fake.addRole('HvcSdnAudit', ['SDN.Audit']);
    fake.addUser({ userid: 'viewer@pve', password: 'secret-pw' });
    fake.addUser({ userid: 'nobody@pve', password: 'secret-pw' });
  });
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it('GET /storage returns each storage.cfg section with digest, comma lists and disable (Config.pm index)', async () => {
    const rows = await get('/storage', root);
    expect(ids(rows, 'storage')).toEqual(['local', 'local-lvm', 'nfs-iso', 'old']);
    const byId = Object.fromEntries(rows.map((r) => [r.storage, r]));
    expect(byId.local).toMatchObject({ type: 'dir', content: 'iso,vztmpl,import,snippets,backup' });
    expect(byId.local?.nodes).toBeUndefined();
    expect(byId['nfs-iso']).toMatchObject({ type: 'nfs', content: 'iso', nodes: 'pve2' });
    expect(byId['nfs-iso']?.shared).toBeUndefined(); // implied by the nfs plugin, not written in storage.cfg
    expect(byId.old).toMatchObject({ disable: 1 });
    expect(new Set(rows.map((r) => r.digest)).size).toBe(1);
    expect(String(byId.local?.digest)).toMatch(/^[0-9a-f]{40}$/);
    expect(ids(await get('/storage', root, { type: 'nfs' }), 'storage')).toEqual(['nfs-iso']);
  });

  it('GET /storage lists only storages with Datastore.Audit or Datastore.AllocateSpace on /storage/<id> (check_any)', async () => {
    fake.setAcl({ path: '/storage/local', roles: 'HvcStorageAudit', user: 'viewer@pve' });
    const viewer = await login('viewer@pve');
    expect(ids(await get('/storage', viewer), 'storage')).toEqual(['local']);
    expect(await get('/storage', await login('nobody@pve'))).toEqual([]);
    const resources = await get('/cluster/resources', viewer, { type: 'storage' });
    expect(new Set(ids(resources, 'storage'))).toEqual(new Set(['local']));
  });

  it('lists import volumes as content and filters content by type', async () => {
    const all = await get('/nodes/pve1/storage/local/content', root);
    expect(all.filter((v) => v.content === 'import')).toMatchObject([
      { volid: 'local:import/noble-server-cloudimg-amd64.qcow2', format: 'qcow2' },
    ]);
    const isos = await get('/nodes/pve1/storage/local/content', root, { content: 'iso' });
    expect(isos.every((v) => v.content === 'iso')).toBe(true);
    expect(isos.length).toBeGreaterThan(0);
  });

  it('GET /cluster/sdn/vnets lists VNets with SDN.Audit or SDN.Allocate on /sdn/zones/<zone>/<vnet> (Vnets.pm index)', async () => {
    expect(await get('/cluster/sdn/vnets', root)).toEqual([
      { vnet: 'edgenet', type: 'vnet', zone: 'edge', vlanaware: 1 },
      { vnet: 'vnet100', type: 'vnet', zone: 'zone1', tag: 100, alias: 'tenant' },
    ]);
    fake.addUser({ userid: 'sdn@pve', password: 'secret-pw' });
    fake.setAcl({ path: '/sdn/zones/zone1', roles: 'HvcSdnAudit', user: 'sdn@pve' });
    fake.setAcl({ path: '/sdn/zones/edge/edgenet', roles: 'HvcSdnUse', user: 'sdn@pve' });
    // SDN.Use is enough to see a VNet in a node's network list, not in the cluster's VNet list.
    expect(ids(await get('/cluster/sdn/vnets', await login('sdn@pve')), 'vnet')).toEqual(['vnet100']);
  });

  it('merges the node’s VNets into any_bridge, drops lo, and keeps VNets of zones on other nodes out (Network.pm index, get_local_vnets)', async () => {
    const pve1 = await get('/nodes/pve1/network', root, { type: 'any_bridge' });
    expect(ids(pve1, 'iface')).toEqual(['vmbr0', 'vnet100']);
    expect(pve1[1]).toMatchObject({ type: 'vnet', active: '1', vlanaware: 0, comments: 'tenant' });
    expect(ids(await get('/nodes/pve2/network', root, { type: 'any_bridge' }), 'iface')).toEqual([
      'edgenet',
      'vmbr0',
      'vnet100',
    ]);
    expect(ids(await get('/nodes/pve1/network', root, { type: 'bridge' }), 'iface')).toEqual(['vmbr0']);
    expect(ids(await get('/nodes/pve1/network', root), 'iface')).not.toContain('lo');
  });

  it('drops bridges and VNets the user lacks SDN.Audit or SDN.Use on, looking at VLAN paths too (check_sdn_bridge)', async () => {
    fake.addUser({ userid: 'net@pve', password: 'secret-pw' });
    const net = await login('net@pve');
    expect(await get('/nodes/pve2/network', net, { type: 'any_bridge' })).toEqual([]);
    fake.setAcl({ path: '/sdn/zones/localnetwork/vmbr0/42', roles: 'HvcSdnUse', user: 'net@pve' });
    fake.setAcl({ path: '/sdn/zones/edge/edgenet', roles: 'HvcSdnUse', user: 'net@pve' });
    expect(ids(await get('/nodes/pve2/network', net, { type: 'any_bridge' }), 'iface')).toEqual([
      'edgenet',
      'vmbr0',
    ]);
    expect(ids(await get('/nodes/pve2/network', net), 'iface')).toEqual(['eno1', 'vmbr0']);
  });

  it('reports a disabled storage as enabled 0, active 0 and leaves it out with enabled=1 (Status.pm index, storage_info)', async () => {
    const rows = await get('/nodes/pve1/storage', root);
    expect(rows.find((r) => r.storage === 'old')).toMatchObject({
      enabled: 0,
      active: 0,
      total: 0,
      used: 0,
      avail: 0,
    });
    expect(ids(await get('/nodes/pve1/storage', root, { enabled: '1' }), 'storage')).not.toContain('old');
    expect(rows.find((r) => r.storage === 'local')).toMatchObject({ enabled: 1, active: 1 });
  });
});
