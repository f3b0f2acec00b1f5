import {
  ADDRESS_SOURCES,
  type AddressSource,
  type GuestAddresses,
  hasCapability,
} from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { fail } from '../expect-error.js';

/** The address sources the connector reports for guests of the kit's type; skips when there are none. */
async function addressSources(ctx: CaseContext): Promise<AddressSource[]> {
  const capabilities = await ctx.capabilities();
  const sources = ADDRESS_SOURCES.filter((s) =>
    hasCapability(capabilities, `guestAddresses.${s}`, ctx.guestType),
  );
  if (sources.length === 0)
    return ctx.skip(`the connector reports no guestAddresses source for a ${ctx.guestType}`);
  return sources;
}

/** Checks the answer is well formed: every source asked answered, every address from a source that said ok. */
function expectWellFormed(addresses: GuestAddresses, guestId: string, asked: readonly AddressSource[]): void {
  expect(addresses.guestId).toBe(guestId);
  expect(Object.keys(addresses.sources).sort(), 'every source asked answers, and only those').toEqual(
    [...asked].sort(),
  );
  for (const [source, status] of Object.entries(addresses.sources)) {
    expect(['ok', 'unavailable', 'unsupported'], `source ${source}`).toContain(status?.status);
  }
  for (const nic of addresses.interfaces) {
    for (const address of nic.addresses) {
      if (addresses.sources[address.source]?.status !== 'ok') {
        fail(`address ${address.address} comes from ${address.source}, which did not answer ok`);
      }
      const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(address.address);
      const v6 = address.address.includes(':');
      if (!(address.family === 'ipv4' ? v4 : v6))
        fail(`${address.address} is not an ${address.family} address`);
    }
  }
}

/** Addresses of guests. */
export const guestAddressCases: readonly ConformanceCase[] = [
  {
    id: 'addresses.running',
    title:
      'getGuestAddresses() of a running guest answers for every source it has; a source that answers ok names addresses of the guest’s NICs',
    needs: ['guestSpec'],
    async run(ctx) {
      const sources = await addressSources(ctx);
      const guest = await ctx.createGuest({ state: 'running' });
      const addresses = await ctx.connector.getGuestAddresses(guest.id);
      expectWellFormed(addresses, guest.id, sources);
      const answered = sources.filter((s) => addresses.sources[s]?.status === 'ok');
      if (answered.length === 0) {
        return ctx.skip(
          `no address source could answer for the running guest: ${JSON.stringify(addresses.sources)}`,
        );
      }
      if (hasCapability(await ctx.capabilities(), 'guestConfig')) {
        const nics = (await ctx.connector.getGuestConfig(guest.id)).nics;
        if (nics.length > 0 && addresses.interfaces.length === 0) {
          fail(`sources ${answered.join(', ')} answered ok but named no interface of a guest with NICs`);
        }
        for (const nic of addresses.interfaces) {
          if (nic.slot === undefined) continue;
          const match = nics.find((n) => n.slot === nic.slot);
          if (match === undefined) fail(`an interface names slot ${nic.slot}, which the guest does not have`);
          if (match.macAddress !== undefined && nic.macAddress !== undefined) {
            expect(nic.macAddress.toLowerCase(), `the MAC of ${nic.slot}`).toBe(
              match.macAddress.toLowerCase(),
            );
          }
        }
      }
      for (const source of answered) {
        const one = await ctx.connector.getGuestAddresses(guest.id, { sources: [source] });
        expectWellFormed(one, guest.id, [source]);
      }
    },
  },
  {
    id: 'addresses.stopped',
    title: 'getGuestAddresses() of a stopped guest is no error: no source answers ok and no address is named',
    needs: ['guestSpec'],
    async run(ctx) {
      const sources = await addressSources(ctx);
      const guest = await ctx.createGuest();
      const addresses = await ctx.connector.getGuestAddresses(guest.id);
      expectWellFormed(addresses, guest.id, sources);
      for (const source of sources) {
        expect(['unavailable', 'unsupported'], `source ${source} of a stopped guest`).toContain(
          addresses.sources[source]?.status,
        );
      }
      expect(addresses.interfaces.flatMap((n) => n.addresses)).toEqual([]);
    },
  },
];
