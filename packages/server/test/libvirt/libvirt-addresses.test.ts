// A provisioned VM's address seen through the API of a running `hvc-server demo` against real libvirtd: a lab of this
// file's own with only the network host (a daemon in its own network namespace whose isolated libvirt network leases
// addresses with dnsmasq), registered as a target over its unix socket; a tiny VM made with its NIC on that network
// and an SSH key in its cloud-init seed, started, asks for a lease (busybox udhcpc, kernel flag `hvclab.dhcp`), and
// GetGuestAddresses reports it from the lease source on the NIC's MAC.

import type { JsonObject } from '@bufbuild/protobuf';
import { createHvcClient, type HvcClient, wire } from '@hvc/client';
import { createNodeTransport } from '@hvc/client/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  labTargetConfig,
  tinyVmSpec,
} from '../../../hypervisor-connector-libvirt/test/connector/support/lab-target.js';
import { uniqueName } from '../../../hypervisor-connector-libvirt/test/connector/support/live-guests.js';
import { type Lab, startLab } from '../../../hypervisor-connector-libvirt/test/lab/lab.js';
import type { LabNetworkHostFacts } from '../../../hypervisor-connector-libvirt/test/lab/lab-facts.js';
import { inDhcpRange } from '../../../hypervisor-connector-libvirt/test/lab/lab-network.js';
import { expectSucceeded } from '../support/demo-server.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const targetId = 'kvm-addresses';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl deploy@lab';

let lab: Lab;
let net: LabNetworkHostFacts;
let server: ServerProcess;
let admin: HvcClient;

const done = (operation: wire.Operation | undefined) => expectSucceeded(admin, targetId, operation);

beforeAll(async () => {
  lab = await startLab({ hosts: 0, ssh: false, networkHost: true });
  net = lab.facts.networkHost!;
  // A target on a local unix socket reaches the server's own machine: an operator's setting.
  server = startServerProcess(['demo', '--json'], { HVC_PORT: '0', HVC_ALLOW_OPERATOR_SETTINGS: 'true' });
  const info = await server.waitFor<{ url: string; adminToken: string }>(
    (line) => typeof line.adminToken === 'string',
  );
  admin = createHvcClient(createNodeTransport({ baseUrl: info.url, token: info.adminToken }));
}, 90_000);

afterAll(async () => {
  try {
    expect(await server?.stop()).toBe(0);
  } finally {
    await lab?.stop();
  }
}, 60_000);

describe('guest addresses on libvirt through the API', () => {
  it('a VM on a DHCP network → start → its leased address on its NIC’s MAC → delete', {
    timeout: 180_000,
  }, async () => {
    const config = labTargetConfig(lab.facts, { hosts: [net.unixUri] }) as unknown as JsonObject;
    await admin.targets.createTarget({ targetId, kind: 'libvirt', config });

    const name = uniqueName('srvaddr');
    const tiny = tinyVmSpec(lab.facts, name);
    const libvirt = tiny.providerOptions!.libvirt as { cmdline: string };
    const created = await admin.guests.createGuest({
      targetId,
      spec: {
        type: wire.GuestType.VM,
        name,
        cpus: tiny.cpus,
        memoryMib: tiny.memoryMiB,
        disks: [{ sizeGib: tiny.disks![0]!.sizeGiB as number }],
        nics: [{ bridge: '', network: net.network.name }],
        cloudInit: { user: 'deploy', sshAuthorizedKeys: [SSH_KEY] },
        // `hvclab.dhcp`: the tiny guest runs udhcpc on eth0 (see the lab's guest/rootfs/etc/dhcp).
        providerOptions: { libvirt: { ...libvirt, cmdline: `${libvirt.cmdline} hvclab.dhcp` } } as JsonObject,
      },
    });
    const guestId = (await done(created.operation)).guestId!;
    const guest = { targetId, guestId };
    try {
      const { config: seen } = await admin.guests.getGuestConfig(guest);
      expect(seen?.cloudInit).toMatchObject({ user: 'deploy', sshAuthorizedKeys: [SSH_KEY] });
      expect(seen?.nics).toHaveLength(1);
      const nic = seen!.nics[0]!;
      expect(nic).toMatchObject({ slot: 'net0', network: net.network.name });
      expect(nic.macAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);

      await done((await admin.guests.startGuest(guest)).operation);
      // The guest boots (~5 s under TCG) and then asks for a lease: ask again until it shows.
      const addresses = await vi.waitFor(
        async () => {
          const answer = await admin.guests.getGuestAddresses({ ...guest, sources: ['lease'] });
          expect(answer.interfaces).not.toEqual([]);
          return answer;
        },
        { timeout: 90_000, interval: 500 },
      );
      expect(addresses.sources.lease?.status).toBe('ok');
      expect(addresses.interfaces).toHaveLength(1);
      const [leased] = addresses.interfaces;
      expect(leased).toMatchObject({ macAddress: nic.macAddress, slot: 'net0' });
      expect(leased!.addresses).toHaveLength(1);
      const [address] = leased!.addresses;
      expect(address).toMatchObject({
        source: 'lease',
        family: 'ipv4',
        prefixLength: net.network.prefixLength,
      });
      expect(inDhcpRange(net.network, address!.address), address!.address).toBe(true);
    } finally {
      const stopped = await admin.guests.stopGuest(guest).catch(() => undefined);
      if (stopped) await done(stopped.operation).catch(() => undefined);
    }
    await done((await admin.guests.deleteGuest(guest)).operation);
    await expect(admin.guests.getGuest(guest)).rejects.toMatchObject({ code: 5 });
    await admin.targets.deleteTarget({ targetId });
  });
});
