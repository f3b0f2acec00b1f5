import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxConnector, type ProxmoxConnector } from '../src/index.js';

const GiB = 1024 ** 3;

/** An OpenSSH public key line whose blob is well formed (`string type, string key`). */
function publicKey(comment: string): string {
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + 32, 7);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + type.length);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/**
 * The provisioning flow end to end over HTTPS against the PVE fake: list the inventory, create a VM from a cloud
 * image with an SSH key and a static IP, start it, read its address from the guest agent, grow its disk, snapshot
 * it, delete it.
 */
describe('the Proxmox connector provisioning flow', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let pve: ProxmoxConnector;

  beforeAll(async () => {
    fake = createPveFake({ nodes: ['pve1'], taskDurationMs: 20, guests: [] });
    server = await fake.listen();
    pve = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
      tls: { fingerprint: server.fingerprint },
      tasks: { initialIntervalMs: 10, maxIntervalMs: 50 },
    });
  });
  afterAll(async () => {
    await pve.close();
    await fake.close();
  });

  it('inventory → create from an image with a key and a static IP → start → address → resize → snapshot → delete', async () => {
    const storages = (await pve.listStorages()).items;
    const disks = storages.find((s) => s.contentKinds.includes('disk'));
    const networks = (await pve.listNetworks()).items;
    const images = (await pve.listImages({ kinds: ['disk-image'] })).items;
    expect(disks?.id).toBe('local-lvm');
    expect(networks.map((n) => n.id)).toContain('vmbr0');
    const image = images[0];
    expect(image?.id).toBe('local:import/noble-server-cloudimg-amd64.qcow2');

    const created = await pve.createGuest({
      type: 'vm',
      name: 'flow1',
      source: { kind: 'image', volumeId: image?.id as string },
      bootDisk: { sizeGiB: 8, storage: disks?.id as string },
      nics: [{ network: 'vmbr0' }],
      cloudInit: {
        user: 'alice',
        sshAuthorizedKeys: [publicKey('alice@laptop')],
        interfaces: [{ ipv4: { address: '192.0.2.10/24', gateway: '192.0.2.1' } }],
      },
      guestAgent: true,
    });
    const guestId = created.guestId as string;
    await pve.waitForOperation(created.id);
    const stopped = await pve.getGuestAddresses(guestId);
    expect(stopped.sources.agent?.status).toBe('unavailable');

    await pve.waitForOperation((await pve.startGuest(guestId)).id);
    const config = await pve.getGuestConfig(guestId);
    const mac = config.nics[0]?.macAddress;
    // The agent answers once the guest has booted.
    let addresses = await pve.getGuestAddresses(guestId);
    for (let i = 0; i < 50 && addresses.sources.agent?.status !== 'ok'; i++) {
      fake.clock.advance(1000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      addresses = await pve.getGuestAddresses(guestId);
    }
    expect(addresses.sources.agent).toEqual({ status: 'ok' });
    const eth = addresses.interfaces.find((i) => i.slot === 'net0');
    expect(eth).toMatchObject({ macAddress: mac });
    expect(eth?.addresses).toContainEqual({
      address: '192.0.2.10',
      prefixLength: 24,
      family: 'ipv4',
      source: 'agent',
    });

    await pve.waitForOperation((await pve.resizeDisk(guestId, 'scsi0', { sizeGiB: 12 })).id);
    expect((await pve.getGuestConfig(guestId)).disks[0]?.sizeBytes).toBe(12 * GiB);
    await pve.waitForOperation((await pve.createSnapshot(guestId, { name: 'resized' })).id);
    expect((await pve.listSnapshots(guestId)).map((s) => s.name)).toContain('resized');
    await pve.waitForOperation((await pve.stopGuest(guestId)).id);
    await pve.waitForOperation((await pve.deleteGuest(guestId)).id);
    expect(fake.guest(Number(guestId.split('/')[1]))).toBeUndefined();
  });
});
