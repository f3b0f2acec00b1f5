import { isHypervisorError } from '@hvc/hypervisor-connector';
import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxConnector, type ProxmoxConnector } from '../src/index.js';

/** The error a call rejects with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/**
 * getGuestAddresses over HTTPS against the PVE fake: a VM's addresses from its guest agent, a container's read by
 * the host, each matched to its NIC slot by MAC; a guest that cannot answer is no error but a source status.
 */
describe('the Proxmox connector guest addresses', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let pve: ProxmoxConnector;
  const connect = (credentials: Parameters<typeof createProxmoxConnector>[0]['credentials']) =>
    createProxmoxConnector({
      endpoints: [server.url],
      credentials,
      tls: { fingerprint: server.fingerprint },
    });

  beforeAll(async () => {
    fake = createPveFake({
      nodes: ['pve1'],
      guestAgentStartMs: 0,
      guests: [
        {
          vmid: 100,
          status: 'running',
          config: {
            agent: '1',
            net0: 'virtio=BC:24:11:00:01:00,bridge=vmbr0',
            net1: 'virtio=BC:24:11:00:01:01,bridge=vmbr0',
            ide0: 'local-lvm:vm-100-cloudinit,media=cdrom',
            ipconfig0: 'ip=192.168.7.20/24,gw=192.168.7.1,ip6=fd00::20/64',
            ipconfig1: 'ip=dhcp',
          },
        },
        { vmid: 101, config: { agent: '1' } },
        { vmid: 102, status: 'running' },
        { vmid: 103, status: 'running', config: { agent: '0' } },
        {
          vmid: 200,
          type: 'lxc',
          status: 'running',
          config: { net0: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:02:00,ip=10.1.0.5/24' },
        },
        { vmid: 201, type: 'lxc' },
      ],
    });
    server = await fake.listen();
    pve = connect({ tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret });
  });
  afterAll(async () => {
    await pve.close();
    await fake.close();
  });

  it("reads a VM's addresses from its agent, loopback left out, each interface matched to its netN", async () => {
    const read = await pve.getGuestAddresses('qemu/100');
    expect(read.guestId).toBe('qemu/100');
    expect(read.sources).toEqual({ agent: { status: 'ok' } });
    expect(read.interfaces.map((i) => i.name)).not.toContain('lo');
    const net0 = read.interfaces.find((i) => i.slot === 'net0');
    expect(net0?.macAddress).toBe('bc:24:11:00:01:00');
    expect(net0?.addresses).toEqual(
      expect.arrayContaining([
        { address: '192.168.7.20', prefixLength: 24, family: 'ipv4', source: 'agent' },
        { address: 'fd00::20', prefixLength: 64, family: 'ipv6', source: 'agent' },
      ]),
    );
    const net1 = read.interfaces.find((i) => i.slot === 'net1');
    expect(net1?.addresses.some((a) => a.family === 'ipv4')).toBe(true);
  });

  it('says unavailable for a stopped VM and unsupported for one without an agent, without failing', async () => {
    const stopped = await pve.getGuestAddresses('qemu/101');
    expect(stopped).toEqual({
      guestId: 'qemu/101',
      interfaces: [],
      sources: { agent: { status: 'unavailable', message: 'VM 101 is not running' } },
    });
    expect((await pve.getGuestAddresses('qemu/102')).sources.agent?.status).toBe('unsupported');
    expect((await pve.getGuestAddresses('qemu/103')).sources.agent?.status).toBe('unsupported');
  });

  it("reads a container's addresses from the host, inet as ipv4; a stopped one is unavailable", async () => {
    const read = await pve.getGuestAddresses('lxc/200');
    expect(read.sources).toEqual({ host: { status: 'ok' } });
    const eth0 = read.interfaces.find((i) => i.slot === 'net0');
    expect(eth0).toMatchObject({ name: 'eth0', macAddress: 'bc:24:11:00:02:00' });
    expect(eth0?.addresses).toContainEqual({
      address: '10.1.0.5',
      prefixLength: 24,
      family: 'ipv4',
      source: 'host',
    });
    const stopped = await pve.getGuestAddresses('lxc/201');
    expect(stopped.sources.host?.status).toBe('unavailable');
    expect(stopped.interfaces).toEqual([]);
  });

  it('refuses a source the guest type has not as UNSUPPORTED', async () => {
    const host = await failure(pve.getGuestAddresses('qemu/100', { sources: ['host'] }));
    expect(isHypervisorError(host, 'UNSUPPORTED')).toBe(true);
    const agent = await failure(pve.getGuestAddresses('lxc/200', { sources: ['agent'] }));
    expect(isHypervisorError(agent, 'UNSUPPORTED')).toBe(true);
    const lease = await failure(pve.getGuestAddresses('qemu/100', { sources: ['lease'] }));
    expect(isHypervisorError(lease, 'UNSUPPORTED')).toBe(true);
  });

  it('refuses the agent source to a credential without the agent privilege', async () => {
    fake.addUser({ userid: 'auditor@pve', password: 'auditor-pw' });
    fake.addRole('HvcAudit', ['VM.Audit']);
    fake.setAcl({ path: '/', roles: 'HvcAudit', user: 'auditor@pve' });
    const auditor = connect({ username: 'auditor@pve', password: 'auditor-pw' });
    expect((await auditor.describe()).capabilities.guestAddresses).toEqual(['host']);
    const error = await failure(auditor.getGuestAddresses('qemu/100'));
    expect(isHypervisorError(error, 'UNSUPPORTED')).toBe(true);
    expect((await auditor.getGuestAddresses('lxc/200')).sources.host?.status).toBe('ok');
    await auditor.close();
  });
});
