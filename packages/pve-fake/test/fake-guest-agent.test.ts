import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake } from '../src/index.js';
import { type MswApi, mswApi } from './support/msw-api.js';

type Nic = { name: string; 'hardware-address': string; 'ip-addresses': Record<string, unknown>[] };

/** Guest addresses: the QEMU guest agent route (qemu-server `Agent.pm`) and the container interfaces route. */
describe('PVE fake: guest agent network-get-interfaces and container interfaces', () => {
  const server = setupServer();
  let fake: PveFake;
  let api: MswApi;

  const agentNics = (vmid: number, as: MswApi = api) =>
    as.call<{ result: Nic[] }>('GET', `/nodes/pve1/qemu/${vmid}/agent/network-get-interfaces`);

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    fake = createPveFake({
      nodes: ['pve1'],
      guests: [
        { vmid: 100, node: 'pve1', status: 'running' },
        { vmid: 101, node: 'pve1', status: 'running', config: { agent: '0' } },
        { vmid: 102, node: 'pve1', config: { agent: '1' } },
        { vmid: 103, node: 'pve1', status: 'running', config: { agent: 'enabled=1,fstrim_cloned_disks=1' } },
        { vmid: 104, node: 'pve1', type: 'lxc', status: 'running' },
        { vmid: 105, node: 'pve1', type: 'lxc' },
      ],
      taskDurationMs: 0,
    });
    api = mswApi(server, fake);
  });

  it('answers the three errors of assert_agent_available with HTTP 500', async () => {
    expect(await agentNics(100)).toMatchObject({ status: 500, reason: 'No QEMU guest agent configured' });
    expect(await agentNics(102)).toMatchObject({ status: 500, reason: 'VM 102 is not running' });
    // `agent: 0` is defined, so it passes the first test; QEMU has no agent channel, so guest-ping fails.
    expect(await agentNics(101)).toMatchObject({ status: 500, reason: 'QEMU guest agent is not running' });
  });

  it('the agent answers guestAgentStartMs after the start (guest-ping), with lo and the NICs by MAC', async () => {
    const start = await api.call<string>('POST', '/nodes/pve1/qemu/102/status/start');
    expect((await api.task(start.body.data)).status.exitstatus).toBe('OK');
    expect(await agentNics(102)).toMatchObject({ status: 500, reason: 'QEMU guest agent is not running' });
    fake.clock.advance(5000);
    const res = await agentNics(102);
    expect(res.status, res.reason).toBe(200);
    const [lo, eth0] = res.body.data.result;
    expect(lo).toMatchObject({
      name: 'lo',
      'ip-addresses': [
        { 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 },
        { 'ip-address-type': 'ipv6', 'ip-address': '::1', prefix: 128 },
      ],
    });
    const config = (await api.call<Record<string, string>>('GET', '/nodes/pve1/qemu/102/config')).body.data;
    const mac = /=([0-9A-F:]{17})/.exec(config.net0 ?? '')?.[1]?.toLowerCase();
    expect(eth0?.['hardware-address']).toBe(mac);
    expect(eth0?.['ip-addresses'][0]).toMatchObject({ 'ip-address-type': 'ipv4', prefix: 24 });
    expect(String(eth0?.['ip-addresses'][0]?.['ip-address'])).toMatch(/^10\.0\.0\.(1\d\d|2[0-4]\d)$/);
    expect(eth0?.['ip-addresses'][1]).toMatchObject({ 'ip-address-type': 'ipv6', prefix: 64 });
    expect((await agentNics(102)).body.data).toEqual(res.body.data);
  });

  it('reports the static ipconfigN of the cloud-init image on the NIC with that MAC, a DHCP lease on the others', async () => {
    const create = await api.call<string>('POST', '/nodes/pve1/qemu', {
      vmid: 200,
      agent: 1,
      ide2: 'local-lvm:cloudinit',
      net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
      net1: 'virtio=BC:24:11:00:00:02,bridge=vmbr0',
      ipconfig0: 'ip=192.168.7.20/24,gw=192.168.7.1,ip6=fd00::20/64',
      ipconfig1: 'ip=dhcp',
      start: 1,
    });
    await api.task(create.body.data);
    await fake.settleTasks();
    fake.clock.advance(5000);
    const nics = (await agentNics(200)).body.data.result;
    expect(nics.map((n) => [n.name, n['hardware-address']])).toEqual([
      ['lo', '00:00:00:00:00:00'],
      ['eth0', 'bc:24:11:00:00:01'],
      ['eth1', 'bc:24:11:00:00:02'],
    ]);
    expect(nics[1]?.['ip-addresses']).toEqual([
      { 'ip-address-type': 'ipv4', 'ip-address': '192.168.7.20', prefix: 24 },
      { 'ip-address-type': 'ipv6', 'ip-address': 'fd00::20', prefix: 64 },
      { 'ip-address-type': 'ipv6', 'ip-address': 'fe80::be24:11ff:fe00:1', prefix: 64 },
    ]);
    expect(nics[2]?.['ip-addresses'][0]?.['ip-address']).toMatch(/^10\.0\.0\./);
  });

  it('needs VM.GuestAgent.Audit or .Unrestricted on PVE 9, VM.Monitor on PVE 8', async () => {
    fake.addUser({ userid: 'viewer@pve', password: 'secret-pw' });
    fake.addRole('Viewer', ['VM.Audit']);
    fake.addRole('Agent', ['VM.GuestAgent.Audit']);
    fake.setAcl({ path: '/vms/103', roles: 'Viewer', user: 'viewer@pve' });
    const viewer = mswApi(server, fake, fake.addToken('viewer@pve', 't', { privsep: false }));
    expect(await agentNics(103, viewer)).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/vms/103, VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted)',
    });
    fake.setAcl({ path: '/vms/103', roles: 'Agent', user: 'viewer@pve' });
    expect((await agentNics(103, viewer)).status).toBe(200);

    fake = createPveFake({
      pveVersion: 8,
      nodes: ['pve1'],
      guests: [{ vmid: 103, node: 'pve1', status: 'running', config: { agent: '1' } }],
    });
    fake.addUser({ userid: 'viewer@pve', password: 'secret-pw' });
    fake.addRole('Viewer', ['VM.Audit']);
    fake.setAcl({ path: '/vms/103', roles: 'Viewer', user: 'viewer@pve' });
    const old = mswApi(server, fake, fake.addToken('viewer@pve', 't', { privsep: false }));
    expect(await agentNics(103, old)).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/vms/103, VM.Monitor)',
    });
  });

  it('lists a running container’s interfaces with inet/inet6 families and null for a stopped one (LXC.pm get_interfaces)', async () => {
    expect((await api.call('GET', '/nodes/pve1/lxc/105/interfaces')).body.data).toBeNull();
    const res = await api.call<Record<string, unknown>[]>('GET', '/nodes/pve1/lxc/104/interfaces');
    expect(res.status, res.reason).toBe(200);
    const [lo, eth0] = res.body.data;
    expect(lo).toMatchObject({
      name: 'lo',
      inet: '127.0.0.1/8',
      inet6: '::1/128',
      hwaddr: '00:00:00:00:00:00',
    });
    expect(eth0).toMatchObject({ name: 'eth0' });
    expect(eth0?.['hardware-address']).toBe(eth0?.hwaddr);
    expect((eth0?.['ip-addresses'] as Record<string, unknown>[] | undefined)?.[0]).toMatchObject({
      'ip-address-type': 'inet',
      prefix: 24,
    });
  });
});
