// Guest addresses read back from a real DHCP lease: a tiny guest made through the connector on the lab's network
// host (a daemon in its own network namespace, with an isolated libvirt network served by dnsmasq) asks for an
// address with busybox udhcpc, and the connector finds dnsmasq's lease through libvirt.

import type { GuestAddresses } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LibvirtConnector } from '../../src/connector/libvirt-connector.js';
import { injectLab } from '../lab/provided-lab.js';
import { tinyVmSpec } from './support/lab-target.js';
import { LiveGuests, uniqueName } from './support/live-guests.js';

const lab = injectLab();
const netHost = lab.networkHost;
if (netHost === undefined) throw new Error('the lab runs no network host');
const { network } = netHost;
const live = new LiveGuests(lab, { hosts: [netHost.unixUri] });

/** An IPv4 address as a number, for range checks. */
const ipv4Number = (address: string): number =>
  address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

let connector: LibvirtConnector;
let guestId: string;
let macAddress: string;

beforeAll(async () => {
  connector = live.connect();
  const spec = tinyVmSpec(lab, uniqueName('leased'));
  const libvirt = spec.providerOptions!.libvirt as { cmdline: string };
  // `hvclab.dhcp`: the tiny guest runs udhcpc on eth0 (see the lab's guest/rootfs/etc/dhcp).
  const operation = await connector.createGuest({
    ...spec,
    nics: [{ network: network.name }],
    start: true,
    providerOptions: { libvirt: { ...libvirt, cmdline: `${libvirt.cmdline} hvclab.dhcp` } },
  });
  live.track(operation.guestId!);
  await connector.waitForOperation(operation.id, { timeoutMs: 30_000 });
  guestId = operation.guestId!;
  const [nic] = (await connector.getGuestConfig(guestId)).nics;
  expect(nic).toMatchObject({ slot: 'net0', network: network.name });
  macAddress = nic!.macAddress!;
});

afterAll(() => live.dispose(), 60_000);

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
            prefixLength: network.prefixLength,
            family: 'ipv4',
            source: 'lease',
          },
        ],
      },
    ]);
    const leased = ipv4Number(addresses.interfaces[0]!.addresses[0]!.address);
    expect(leased).toBeGreaterThanOrEqual(ipv4Number(network.dhcpStart));
    expect(leased).toBeLessThanOrEqual(ipv4Number(network.dhcpEnd));
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
