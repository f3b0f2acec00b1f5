// Provisioning through the API of a running `hvc-server demo` against real libvirtd: the inventory, a tiny VM made
// from an image volume with an SSH key and a static address in its cloud-init seed, started, its configuration and
// address sources read, its disk grown, snapshotted, stopped and deleted.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { JsonObject } from '@bufbuild/protobuf';
import { createHvcClient, type HvcClient, wire } from '@hvc/client';
import { createNodeTransport } from '@hvc/client/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  labTargetConfig,
  tinyVmSpec,
} from '../../../hypervisor-connector-libvirt/test/connector/support/lab-target.js';
import { uniqueName } from '../../../hypervisor-connector-libvirt/test/connector/support/live-guests.js';
import { injectLab } from '../../../hypervisor-connector-libvirt/test/lab/provided-lab.js';
import { virsh } from '../../../hypervisor-connector-libvirt/test/lab/virsh.js';
import { expectSucceeded } from '../support/demo-server.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const lab = injectLab();
const host = lab.hosts[0]!;
const targetId = 'kvm-provisioning';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl deploy@lab';
/** An isolated Linux bridge (no address, no route, no firewall rule) the guest's NIC joins. */
const bridge = `hvcbr${randomBytes(3).toString('hex')}`;
const image = `${uniqueName('srvimage')}.qcow2`;

let server: ServerProcess;
let admin: HvcClient;

const done = (operation: wire.Operation | undefined) => expectSucceeded(admin, targetId, operation);

beforeAll(async () => {
  await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
  await virsh(host.unixUri, ['vol-create-as', lab.pool.name, image, '32M', '--format', 'qcow2']);
  server = startServerProcess(['demo', '--json'], { HVC_PORT: '0' });
  const info = await server.waitFor<{ url: string; adminToken: string }>(
    (line) => typeof line.adminToken === 'string',
  );
  admin = createHvcClient(createNodeTransport({ baseUrl: info.url, token: info.adminToken }));
}, 60_000);

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  await virsh(host.unixUri, ['vol-delete', image, '--pool', lab.pool.name]).catch(() => undefined);
  await run('ip', ['link', 'del', bridge]).catch(() => undefined);
}, 60_000);

describe('provisioning on libvirt through the API', () => {
  it('inventory → a VM from an image with a key and a static address → start → config and addresses → resize → snapshot → delete', {
    timeout: 240_000,
  }, async () => {
    const config = labTargetConfig(lab, { hosts: [host.tcpUri] }) as unknown as JsonObject;
    await admin.targets.createTarget({ targetId, kind: 'libvirt', config });
    const { images } = await admin.inventory.listImages({ targetId, kinds: ['disk-image'], pageSize: 1000 });
    const volumeId = `${lab.pool.name}:${image}`;
    expect(images.map((i) => i.id)).toContain(volumeId);

    const name = uniqueName('srvprov');
    const tiny = tinyVmSpec(lab, name);
    const created = await admin.guests.createGuest({
      targetId,
      spec: {
        type: wire.GuestType.VM,
        name,
        node: host.name,
        cpus: tiny.cpus,
        memoryMib: tiny.memoryMiB,
        source: { case: 'image', value: { volumeId } },
        bootDisk: { sizeGib: 64 / 1024 },
        nics: [{ bridge: '', network: bridge }],
        cloudInit: {
          user: 'deploy',
          sshAuthorizedKeys: [SSH_KEY],
          interfaces: [
            {
              ipv4: { case: 'ipv4Static', value: { address: '10.0.0.5/24', gateway: '10.0.0.1' } },
              ipv6: { case: undefined },
            },
          ],
        },
        providerOptions: tiny.providerOptions as JsonObject,
      },
    });
    const guestId = (await done(created.operation)).guestId!;
    const guest = { targetId, guestId };
    try {
      await done((await admin.guests.startGuest(guest)).operation);
      const { config: seen } = await admin.guests.getGuestConfig(guest);
      expect(seen?.cloudInit).toMatchObject({ user: 'deploy', sshAuthorizedKeys: [SSH_KEY] });
      expect(seen?.cdroms.some((c) => c.cloudInit)).toBe(true);
      const boot = seen!.disks.find((d) => d.boot)!;
      expect(boot.sizeBytes).toBe(64n * 1024n * 1024n);

      // The NIC is on a plain bridge that no libvirt network leases, and the VM has no agent channel: the sources
      // answer without addresses — each named, none an error.
      const addresses = await admin.guests.getGuestAddresses(guest);
      expect(addresses.sources.lease?.status).toBe('ok');
      expect(addresses.sources.agent?.status).toBe('unsupported');

      await done(
        (await admin.guests.resizeDisk({ ...guest, slot: boot.slot, sizeGib: 96 / 1024 })).operation,
      );
      const grown = (await admin.guests.getGuestConfig(guest)).config!.disks.find(
        (d) => d.slot === boot.slot,
      );
      expect(grown?.sizeBytes).toBe(96n * 1024n * 1024n);
      await done((await admin.snapshots.createSnapshot({ ...guest, name: 'grown' })).operation);
      expect((await admin.snapshots.listSnapshots(guest)).snapshots.map((s) => s.name)).toContain('grown');
      await done((await admin.guests.stopGuest(guest)).operation);
    } finally {
      const stopped = await admin.guests.stopGuest(guest).catch(() => undefined);
      if (stopped) await done(stopped.operation).catch(() => undefined);
    }
    await done((await admin.guests.deleteGuest(guest)).operation);
    await expect(admin.guests.getGuest(guest)).rejects.toMatchObject({ code: 5 });
  });
});
