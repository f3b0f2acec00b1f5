/**
 * The provisioning flow end to end through the server's API against the PVE fake over HTTPS, with gRPC, gRPC-Web
 * and Connect clients: list the inventory, create a VM from a cloud image with an SSH key and a static IP, start it,
 * read its address from the guest agent, grow its disk, snapshot it, delete it.
 */
import { createClient } from '@connectrpc/connect';
import {
  GuestService,
  GuestType,
  InventoryService,
  type Operation,
  OperationService,
  OperationStatus,
  SnapshotService,
} from '@hvc/client/v1';
import type { PveFake } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../support/protocol-transports.js';
import { type PveApiStack, startPveApiStack } from '../support/pve-api-stack.js';

const GiB = 1024n ** 3n;

/** An OpenSSH public key line whose blob is well formed (`string type, string key`). */
function publicKey(comment: string): string {
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + 32, 7);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + type.length);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

let stack: PveApiStack;
let fake: PveFake;
let headers: PveApiStack['headers'];

beforeAll(async () => {
  stack = await startPveApiStack({
    audience: 'urn:hvc:provisioning',
    fake: { nodes: ['pve1'], taskDurationMs: 20, guests: [] },
  });
  ({ fake, headers } = stack);
}, 30_000);

afterAll(async () => {
  await stack?.close();
});

describe.each(Object.keys(TRANSPORTS))('provisioning on Proxmox VE through the API over %s', (name) => {
  it('inventory → create from an image with a key and a static IP → start → address → resize → snapshot → delete', async () => {
    const transport = TRANSPORTS[name]!(stack.url);
    const inventory = createClient(InventoryService, transport);
    const guests = createClient(GuestService, transport);
    const snapshots = createClient(SnapshotService, transport);
    const operations = createClient(OperationService, transport);
    const target = { targetId: 'pve' };
    const done = async (operation: Operation | undefined) => {
      let last: Operation | undefined;
      for await (const { operation: o } of operations.watchOperation(
        { targetId: 'pve', operationId: operation!.id },
        { headers },
      ))
        last = o;
      expect(last?.status, last?.error?.message).toBe(OperationStatus.SUCCEEDED);
      return last!;
    };

    const { storages } = await inventory.listStorages(target, { headers });
    const disks = storages.find((s) => s.contentKinds.includes('disk'));
    expect(disks?.id).toBe('local-lvm');
    const { networks } = await inventory.listNetworks(target, { headers });
    expect(networks.map((n) => n.id)).toContain('vmbr0');
    const { images } = await inventory.listImages({ ...target, kinds: ['disk-image'] }, { headers });
    expect(images[0]?.id).toBe('local:import/noble-server-cloudimg-amd64.qcow2');

    const created = await guests.createGuest(
      {
        ...target,
        spec: {
          type: GuestType.VM,
          name: `flow-${name}`,
          source: { case: 'image', value: { volumeId: images[0]!.id } },
          bootDisk: { sizeGib: 8, storage: disks!.id },
          nics: [{ bridge: '', network: 'vmbr0' }],
          cloudInit: {
            user: 'alice',
            sshAuthorizedKeys: [publicKey('alice@laptop')],
            interfaces: [
              {
                ipv4: { case: 'ipv4Static', value: { address: '192.0.2.10/24', gateway: '192.0.2.1' } },
                ipv6: { case: undefined },
              },
            ],
          },
          guestAgent: true,
        },
      },
      { headers },
    );
    const guestId = (await done(created.operation)).guestId!;
    const guest = { ...target, guestId };
    expect((await guests.getGuestAddresses(guest, { headers })).sources.agent?.status).toBe('unavailable');

    await done((await guests.startGuest(guest, { headers })).operation);
    const { config } = await guests.getGuestConfig(guest, { headers });
    expect(config?.cloudInit).toMatchObject({
      user: 'alice',
      sshAuthorizedKeys: [publicKey('alice@laptop')],
    });
    // The guest agent answers once the guest has booted: the fake's clock moves it there.
    let addresses = await guests.getGuestAddresses(guest, { headers });
    for (let i = 0; i < 50 && addresses.sources.agent?.status !== 'ok'; i++) {
      fake.clock.advance(1000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      addresses = await guests.getGuestAddresses(guest, { headers });
    }
    expect(addresses.sources.agent?.status).toBe('ok');
    const eth = addresses.interfaces.find((i) => i.slot === 'net0');
    expect(eth?.macAddress).toBe(config?.nics[0]?.macAddress);
    expect(eth?.addresses).toContainEqual(
      expect.objectContaining({ address: '192.0.2.10', prefixLength: 24, family: 'ipv4', source: 'agent' }),
    );

    await done((await guests.resizeDisk({ ...guest, slot: 'scsi0', sizeGib: 12 }, { headers })).operation);
    const resized = (await guests.getGuestConfig(guest, { headers })).config;
    expect(resized?.disks.find((d) => d.slot === 'scsi0')?.sizeBytes).toBe(12n * GiB);
    await done((await snapshots.createSnapshot({ ...guest, name: 'resized' }, { headers })).operation);
    expect((await snapshots.listSnapshots(guest, { headers })).snapshots.map((s) => s.name)).toContain(
      'resized',
    );
    await done((await guests.stopGuest(guest, { headers })).operation);
    await done((await guests.deleteGuest(guest, { headers })).operation);
    expect(fake.guest(Number(guestId.split('/')[1]))).toBeUndefined();
  });
});
