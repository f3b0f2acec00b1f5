// Guest addresses read back from a real DHCP lease: a lab of this file's own with only the network host (a daemon in
// its own network namespace, with an isolated libvirt network served by dnsmasq); a tiny guest made through the
// connector on that network asks for an address with busybox udhcpc, and the connector finds dnsmasq's lease
// through libvirt. Its own lab: the shared one (started before every libvirt test file) stays as quick to start.

import { existsSync } from 'node:fs';
import type { GuestAddresses } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LibvirtConnector } from '../../src/connector/libvirt-connector.js';
import { type Lab, startLab } from '../lab/lab.js';
import { restartLabHost } from '../lab/lab-daemon.js';
import type { LabNetworkHostFacts } from '../lab/lab-facts.js';
import { inDhcpRange } from '../lab/lab-network.js';
import { virsh } from '../lab/virsh.js';
import { tinyVmSpec } from './support/lab-target.js';
import { LiveGuests, uniqueName } from './support/live-guests.js';

let lab: Lab;
let net: LabNetworkHostFacts;
let live: LiveGuests;
let connector: LibvirtConnector;
let guestId: string;
let macAddress: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 0, ssh: false, networkHost: true });
  net = lab.facts.networkHost!;
  live = new LiveGuests(lab.facts, { hosts: [net.unixUri] });
  connector = live.connect();
  const spec = tinyVmSpec(lab.facts, uniqueName('leased'));
  const libvirt = spec.providerOptions!.libvirt as { cmdline: string };
  // `hvclab.dhcp`: the tiny guest runs udhcpc on eth0 (see the lab's guest/rootfs/etc/dhcp).
  const operation = await connector.createGuest({
    ...spec,
    nics: [{ network: net.network.name }],
    start: true,
    providerOptions: { libvirt: { ...libvirt, cmdline: `${libvirt.cmdline} hvclab.dhcp` } },
  });
  live.track(operation.guestId!);
  await connector.waitForOperation(operation.id, { timeoutMs: 30_000 });
  guestId = operation.guestId!;
  const [nic] = (await connector.getGuestConfig(guestId)).nics;
  expect(nic).toMatchObject({ slot: 'net0', network: net.network.name });
  macAddress = nic!.macAddress!;
}, 90_000);

afterAll(async () => {
  try {
    await live?.dispose();
  } finally {
    await lab?.stop();
  }
}, 60_000);

describe('the lab’s network host', () => {
  it('answers over its unix socket; its DHCP network runs in its own network namespace', async () => {
    expect((await virsh(net.unixUri, ['hostname'])).trim()).toBe(net.name);
    expect(net.domainTypes).toEqual(['qemu']);
    const info = await virsh(net.unixUri, ['net-info', net.network.name]);
    expect(info).toMatch(/^Active:\s+yes$/m);
    expect(info).toMatch(new RegExp(`^Bridge:\\s+${net.network.bridge}$`, 'm'));
    expect(await virsh(net.unixUri, ['net-dumpxml', net.network.name])).toContain(
      `<range start='${net.network.dhcpStart}' end='${net.network.dhcpEnd}'/>`,
    );
    // The bridge is not one of the machine's interfaces; a restart would lose the namespace, so it is refused.
    expect(existsSync(`/sys/class/net/${net.network.bridge}`)).toBe(false);
    await expect(restartLabHost(lab.facts, net)).rejects.toThrow(/network namespace of its own/);
  });
});

describe('guest addresses from a libvirt network’s DHCP leases', () => {
  it('reads the address dnsmasq leased to the running guest, on its NIC, from the lease source', async () => {
    // The guest boots (~5 s under TCG) and then asks for a lease: ask again until it shows.
    const addresses = await vi.waitFor(
      async () => {
        const answer = await connector.getGuestAddresses(guestId, { sources: ['lease'] });
        expect(answer.interfaces).not.toEqual([]);
        return answer;
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(addresses.sources).toEqual({ lease: { status: 'ok' } });
    expect(addresses.interfaces).toEqual([
      {
        macAddress,
        slot: 'net0',
        addresses: [
          {
            address: expect.any(String),
            prefixLength: net.network.prefixLength,
            family: 'ipv4',
            source: 'lease',
          },
        ],
      },
    ]);
    const leased = addresses.interfaces[0]!.addresses[0]!.address;
    expect(inDhcpRange(net.network, leased), leased).toBe(true);
  });

  it('merges every source by MAC: the lease is there, the agent unsupported (the guest has no agent channel)', async () => {
    const addresses: GuestAddresses = await connector.getGuestAddresses(guestId);
    expect(addresses.sources).toMatchObject({ lease: { status: 'ok' }, agent: { status: 'unsupported' } });
    expect(['ok', 'unavailable']).toContain(addresses.sources.arp?.status);
    expect(addresses.interfaces).toHaveLength(1);
    expect(addresses.interfaces[0]).toMatchObject({ macAddress, slot: 'net0' });
    expect(addresses.interfaces[0]!.addresses.filter((a) => a.source === 'lease')).toHaveLength(1);
  });
});
