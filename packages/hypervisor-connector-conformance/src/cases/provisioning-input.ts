import { type CapabilityName, type GuestSpecInput, hasCapability } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, expectInvalidField, fail } from '../expect-error.js';
import { guestsFingerprint } from '../guest-fingerprint.js';
import { KIT_PASSWORD } from '../provisioning-support.js';

/** A VM spec from the fixture, or the least the schema accepts: the input checks come before anything else. */
function baseVm(ctx: CaseContext): Extract<GuestSpecInput, { type: 'vm' }> {
  const name = ctx.uniqueName('bad');
  const spec = ctx.fixture.vmSpec ? { ...ctx.fixture.vmSpec(name), name } : { type: 'vm' as const, name };
  if (spec.type !== 'vm') return fail('the fixture’s vmSpec made no VM spec');
  const { cdrom: _cdrom, ...rest } = spec;
  return rest;
}

const NO_STORAGE = 'kit-no-such-storage';
const NO_NETWORK = 'kit-no-such-network';

/** The bad inputs of provisioning that every connector answers the same way. */
export const provisioningInputCases: readonly ConformanceCase[] = [
  {
    id: 'input.provisioning-spec-invalid',
    title:
      'createGuest() with a bad SSH key, address, gateway, host name, boot order or source combination throws INVALID_ARGUMENT naming the field, without the password, and creates nothing',
    async run(ctx) {
      const before = await guestsFingerprint(ctx.connector);
      const base = baseVm(ctx);
      const nic = { network: 'kitnet' };
      const cases: [string, GuestSpecInput, string][] = [
        [
          'an SSH key that is not a public key',
          {
            ...base,
            cloudInit: { password: KIT_PASSWORD, sshAuthorizedKeys: ['-----BEGIN OPENSSH PRIVATE KEY-----'] },
          },
          'cloudInit.sshAuthorizedKeys.0',
        ],
        [
          'an address without a prefix length',
          {
            ...base,
            nics: [nic],
            cloudInit: { password: KIT_PASSWORD, interfaces: [{ ipv4: { address: '192.0.2.10' } }] },
          },
          'cloudInit.interfaces.0.ipv4',
        ],
        [
          'a gateway that is not an address',
          {
            ...base,
            nics: [nic],
            cloudInit: { interfaces: [{ ipv4: { address: '192.0.2.10/24', gateway: '192.0.2' } }] },
          },
          'cloudInit.interfaces.0.ipv4',
        ],
        [
          'an IPv6 address that is not CIDR',
          { ...base, nics: [nic], cloudInit: { interfaces: [{ ipv6: { address: 'fd00::/129' } }] } },
          'cloudInit.interfaces.0.ipv6',
        ],
        [
          'a host name that is not a host name',
          { ...base, cloudInit: { hostname: 'not a host!' } },
          'cloudInit.hostname',
        ],
        [
          'addresses for a NIC the spec does not have',
          { ...base, nics: [], cloudInit: { interfaces: [{ ipv4: 'dhcp' }] } },
          'cloudInit.interfaces.0',
        ],
        [
          'a password and a hash',
          { ...base, cloudInit: { password: KIT_PASSWORD, passwordHash: `$6$salt$${'a'.repeat(86)}` } },
          'cloudInit.passwordHash',
        ],
        ['a boot disk without a source', { ...base, bootDisk: { sizeGiB: 10 } }, 'bootDisk'],
        [
          'a CD-ROM besides an ISO source',
          { ...base, source: { kind: 'iso', volumeId: 'kit:iso/a.iso' }, cdrom: 'kit:iso/b.iso' },
          'cdrom',
        ],
        ['a boot order naming a device twice', { ...base, boot: ['disk', 'disk'] }, 'boot'],
        ['a source of an unknown kind', { ...base, source: { kind: 'pxe' } } as never, 'source'],
        [
          'a boot disk that is not a size',
          { ...base, source: { kind: 'image', volumeId: 'kit:import/a.qcow2' }, bootDisk: { sizeGiB: -1 } },
          'bootDisk.sizeGiB',
        ],
        [
          'a NIC with both network and bridge',
          { ...base, nics: [{ network: 'a', bridge: 'b' }] },
          'nics.0.network',
        ],
      ];
      for (const [what, spec, field] of cases) {
        const error = await expectInvalidField(
          ctx.connector.createGuest(spec),
          field,
          `createGuest() with ${what}`,
        );
        expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(
          KIT_PASSWORD,
        );
      }
      expect(await guestsFingerprint(ctx.connector), 'bad specs created or changed guests').toBe(before);
    },
  },
  {
    id: 'input.provisioning-unknown-names',
    title:
      'createGuest() naming an unknown storage, network, image or template throws NOT_FOUND naming the field and creates nothing',
    async run(ctx) {
      const capabilities = await ctx.capabilities();
      const can = (...names: CapabilityName[]) => names.every((n) => hasCapability(capabilities, n, 'vm'));
      if (!can('create', 'guestTypes.vm')) return ctx.skip('the connector reports no "create" of VMs');
      // Checking what a spec names against the inventory came with VM sources: a connector written against an
      // earlier v1, with none of them, is not held to it.
      if (!(can('sources.image') || can('sources.template') || can('sources.iso'))) {
        return ctx.skip('the connector reports no VM source (sources.image, .template, .iso)');
      }
      const before = await guestsFingerprint(ctx.connector);
      const base = baseVm(ctx);
      const missingTemplate = await ctx.missingGuestId((await ctx.connector.listGuests({ type: 'vm' }))[0]);
      const cases: [string, GuestSpecInput, string, readonly CapabilityName[]][] = [
        [
          'an unknown disk storage',
          { ...base, disks: [{ sizeGiB: 1, storage: NO_STORAGE }] },
          'disks.0.storage',
          [],
        ],
        ...(ctx.fixture.unverifiedNetworkNames === undefined
          ? [
              ['an unknown network', { ...base, nics: [{ network: NO_NETWORK }] }, 'nics.0.network', []] as [
                string,
                GuestSpecInput,
                string,
                readonly CapabilityName[],
              ],
            ]
          : []),
        [
          'an image on an unknown storage',
          { ...base, source: { kind: 'image', volumeId: `${NO_STORAGE}:import/kit.qcow2` } },
          'source.volumeId',
          ['sources.image'],
        ],
        [
          'an ISO on an unknown storage',
          { ...base, source: { kind: 'iso', volumeId: `${NO_STORAGE}:iso/kit.iso` } },
          'source.volumeId',
          ['sources.iso'],
        ],
        [
          'an unknown template',
          { ...base, source: { kind: 'template', guestId: missingTemplate } },
          'source.guestId',
          ['sources.template'],
        ],
      ];
      let checked = 0;
      for (const [what, spec, field, needs] of cases) {
        if (!can(...needs)) continue;
        const error = await expectError(
          ctx.connector.createGuest(spec),
          'NOT_FOUND',
          `createGuest() with ${what}`,
        );
        expect(error.details?.field, `the NOT_FOUND of ${what} names the field`).toBe(field);
        checked += 1;
      }
      expect(checked).toBeGreaterThan(0);
      expect(await guestsFingerprint(ctx.connector), 'specs naming unknown things created guests').toBe(
        before,
      );
    },
  },
  {
    id: 'input.device-changes-invalid',
    title:
      'device changes with a bad slot, size, NIC or address source throw INVALID_ARGUMENT naming the field; an unknown storage or network NOT_FOUND',
    needs: ['vmSpec'],
    async run(ctx) {
      const guest = await ctx.createGuest({ type: 'vm' });
      const c = ctx.connector;
      const id = guest.id;
      const cases: [string, () => Promise<unknown>, string][] = [
        ['resizeDisk() of a malformed slot', () => c.resizeDisk(id, 'Bad Slot', { sizeGiB: 2 }), 'slot'],
        ['resizeDisk() to a negative size', () => c.resizeDisk(id, 'scsi0', { sizeGiB: -1 }), 'sizeGiB'],
        ['addDisk() of no size', () => c.addDisk(id, { sizeGiB: 0 }), 'sizeGiB'],
        ['addDisk() in a malformed slot', () => c.addDisk(id, { sizeGiB: 1, slot: '0disk' }), 'slot'],
        ['removeDisk() of a malformed slot', () => c.removeDisk(id, 'SCSI1'), 'slot'],
        ['addNic() on no network', () => c.addNic(id, {}), 'network'],
        ['addNic() with a VLAN out of range', () => c.addNic(id, { network: 'kitnet', vlan: 4095 }), 'vlan'],
        ['removeNic() of a malformed slot', () => c.removeNic(id, 'net 1'), 'slot'],
        [
          'getGuestAddresses() from an unknown source',
          () => c.getGuestAddresses(id, { sources: ['dns'] } as never),
          'sources',
        ],
      ];
      for (const [what, call, field] of cases) await expectInvalidField(call(), field, what);

      const capabilities = await ctx.capabilities();
      if (hasCapability(capabilities, 'disks.add', 'vm')) {
        const error = await expectError(
          c.addDisk(id, { sizeGiB: 1, storage: NO_STORAGE }),
          'NOT_FOUND',
          'addDisk() on an unknown storage',
        );
        expect(error.details?.field).toBe('storage');
      }
      if (hasCapability(capabilities, 'nics.add', 'vm') && ctx.fixture.unverifiedNetworkNames === undefined) {
        const error = await expectError(
          c.addNic(id, { network: NO_NETWORK }),
          'NOT_FOUND',
          'addNic() on an unknown network',
        );
        expect(error.details?.field).toBe('network');
      }
    },
  },
];
