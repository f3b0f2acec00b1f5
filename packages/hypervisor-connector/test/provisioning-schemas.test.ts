import { describe, expect, it } from 'vitest';
import {
  AddressRequestSchema,
  capabilityNamesOf,
  DiskAddSchema,
  DiskResizeSchema,
  FULL_CAPABILITIES,
  GuestSpecSchema,
  hasCapability,
  InvalidArgumentError,
  NicAddSchema,
  OPTIONAL_CAPABILITIES_MISSING,
  parseInput,
} from '../src/index.js';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl me@host';

/** The violated field paths of an input the schema refuses, checking no secret shows in the error. */
function violations(
  schema: Parameters<typeof parseInput>[0],
  input: unknown,
  secrets: string[] = [],
): string[] {
  try {
    parseInput(schema, input, 'input');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const invalid = error as InvalidArgumentError;
    const text = `${invalid.message} ${JSON.stringify(invalid.violations)}`;
    for (const secret of secrets) expect(text).not.toContain(secret);
    return invalid.violations.map((v) => v.field);
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('a VM spec with a source, boot order and cloud-init', () => {
  it('takes a template source with a boot disk, named networks and cloud-init', () => {
    const spec = parseInput(
      GuestSpecSchema,
      {
        type: 'vm',
        name: 'web-1',
        source: { kind: 'template', guestId: 'qemu/9000' },
        bootDisk: { sizeGiB: 20 },
        boot: ['disk', 'network'],
        nics: [{ network: 'vnet1' }, { bridge: 'vmbr0', vlan: 20 }],
        cloudInit: {
          user: 'deploy',
          sshAuthorizedKeys: [ED25519],
          interfaces: [{ ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }, { ipv4: 'dhcp' }],
        },
        guestAgent: true,
      },
      'guest spec',
    );
    expect(spec.type === 'vm' && spec.source).toEqual({
      kind: 'template',
      guestId: 'qemu/9000',
      mode: 'full',
    });
    // Either spelling of a NIC's network ends in `bridge`.
    expect(spec.nics).toEqual([{ bridge: 'vnet1' }, { bridge: 'vmbr0', vlan: 20 }]);
  });

  it('refuses what cannot go together, naming each field', () => {
    const base = { type: 'vm', name: 'web-1' };
    expect(violations(GuestSpecSchema, { ...base, nics: [{}] })).toEqual(['nics.0.network']);
    expect(violations(GuestSpecSchema, { ...base, nics: [{ network: 'a', bridge: 'b' }] })).toEqual([
      'nics.0.network',
    ]);
    expect(
      violations(GuestSpecSchema, {
        ...base,
        source: { kind: 'iso', volumeId: 'local:iso/debian.iso' },
        cdrom: 'local:iso/other.iso',
      }),
    ).toEqual(['cdrom']);
    expect(violations(GuestSpecSchema, { ...base, bootDisk: { sizeGiB: 10 } })).toEqual(['bootDisk']);
    expect(
      violations(GuestSpecSchema, {
        ...base,
        source: { kind: 'iso', volumeId: 'local:iso/debian.iso' },
        bootDisk: { sizeGiB: 10 },
      }),
    ).toEqual(['bootDisk']);
    expect(violations(GuestSpecSchema, { ...base, boot: ['disk', 'disk'] })).toEqual(['boot']);
    expect(violations(GuestSpecSchema, { ...base, source: { kind: 'image' } })).toEqual(['source.volumeId']);
    expect(
      violations(GuestSpecSchema, {
        ...base,
        nics: [{ bridge: 'vmbr0' }],
        cloudInit: { interfaces: [{ ipv4: 'dhcp' }, { ipv4: 'dhcp' }] },
      }),
    ).toEqual(['cloudInit.interfaces.1']);
    expect(
      violations(
        GuestSpecSchema,
        {
          ...base,
          cloudInit: { password: 'hunter2-secret', sshAuthorizedKeys: ['ssh-ed25519 not-a-key'] },
        },
        ['hunter2-secret'],
      ),
    ).toEqual(['cloudInit.sshAuthorizedKeys.0']);
  });

  it('keeps a container spec as it was: no source, no cloud-init', () => {
    expect(
      violations(GuestSpecSchema, {
        type: 'container',
        name: 'ct-1',
        osTemplate: 'local:vztmpl/debian.tar.zst',
        cloudInit: { user: 'x' },
      }),
    ).toEqual(['cloudInit']);
  });
});

describe('device changes', () => {
  it('takes absolute sizes only, and slots that are device names', () => {
    expect(parseInput(DiskResizeSchema, { sizeGiB: 32 }, 'resize')).toEqual({ sizeGiB: 32 });
    expect(violations(DiskResizeSchema, { sizeGiB: '+10G' })).toEqual(['sizeGiB']);
    expect(violations(DiskResizeSchema, { sizeGiB: 0 })).toEqual(['sizeGiB']);
    expect(parseInput(DiskAddSchema, { sizeGiB: 4, slot: 'scsi1' }, 'disk')).toEqual({
      sizeGiB: 4,
      slot: 'scsi1',
    });
    expect(violations(DiskAddSchema, { sizeGiB: 4, slot: 'SCSI 1' })).toEqual(['slot']);
    expect(parseInput(NicAddSchema, { network: 'default' }, 'nic')).toEqual({ bridge: 'default' });
    expect(violations(NicAddSchema, { slot: 'net1' })).toEqual(['network']);
    expect(violations(AddressRequestSchema, { sources: ['agent', 'agent'] })).toEqual(['sources']);
    expect(violations(AddressRequestSchema, { sources: ['dns'] })).toEqual(['sources.0']);
  });
});

describe('capabilities added to v1', () => {
  it('are named as hasCapability takes them, only those present', () => {
    const names = capabilityNamesOf({
      ...FULL_CAPABILITIES,
      ...OPTIONAL_CAPABILITIES_MISSING,
      clone: { full: true, linked: false },
      guestAddresses: ['lease'],
      watch: true,
    });
    expect(names).toContain('clone.full');
    expect(names).not.toContain('clone.linked');
    expect(names).toEqual(
      expect.arrayContaining(['guestTypes.vm', 'console.spice', 'guestAddresses.lease', 'watch']),
    );
    expect(names.filter((n) => n.startsWith('sources.'))).toEqual([]);
    for (const name of names) expect(hasCapability(FULL_CAPABILITIES, name)).toBe(true);
  });

  it('are read from list groups and from absent groups', () => {
    expect(hasCapability(FULL_CAPABILITIES, 'guestAddresses.lease')).toBe(true);
    expect(hasCapability(FULL_CAPABILITIES, 'consoleStream.vnc')).toBe(true);
    const older = { ...FULL_CAPABILITIES, ...OPTIONAL_CAPABILITIES_MISSING };
    expect(hasCapability(older, 'guestAddresses.lease')).toBe(false);
    expect(hasCapability(older, 'sources.image')).toBe(false);
    expect(hasCapability(older, 'templates')).toBe(false);
    const { sources: _, templates: __, ...absent } = FULL_CAPABILITIES;
    expect(hasCapability(absent, 'sources.image')).toBe(false);
    expect(hasCapability(absent, 'templates')).toBe(false);
  });
});
