import {
  type Capabilities,
  type CapabilityName,
  FULL_CAPABILITIES,
  type GuestAddresses,
  type GuestSpecInput,
  type HypervisorConnector,
  type Operation,
} from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { type ConnectorImplementation, defineConnector } from '../src/index.js';
import { type LabRef, recording } from './support/recording-implementation.js';
import { rejection } from './support/rejection.js';

const done = (type: Operation['type'], guestId: string): Operation => ({
  id: `op:${type}`,
  type,
  guestId,
  status: 'succeeded',
  startedAt: '2025-01-01T00:00:00.000Z',
});

/** Every provisioning method implemented, each recording what reached it. */
function provisioning(capabilities: Capabilities = FULL_CAPABILITIES) {
  const seen: unknown[][] = [];
  const overrides: Partial<ConnectorImplementation<LabRef>> = {
    capabilities,
    getGuestConfig: async (ref) => {
      seen.push(['getGuestConfig', ref.id]);
      return {
        guestId: ref.id,
        cpus: 1,
        memoryMiB: 512,
        disks: [],
        cdroms: [],
        nics: [],
        template: false,
        raw: {},
      };
    },
    convertToTemplate: async (ref) => {
      seen.push(['convertToTemplate', ref.id]);
      return done('template.convert', ref.id);
    },
    resizeDisk: async (ref, slot, resize) => {
      seen.push(['resizeDisk', ref.id, slot, resize]);
      return done('disk.resize', ref.id);
    },
    addDisk: async (ref, disk) => {
      seen.push(['addDisk', ref.id, disk]);
      return done('disk.add', ref.id);
    },
    removeDisk: async (ref, slot, request) => {
      seen.push(['removeDisk', ref.id, slot, request]);
      return done('disk.remove', ref.id);
    },
    addNic: async (ref, nic) => {
      seen.push(['addNic', ref.id, nic]);
      return done('nic.add', ref.id);
    },
    removeNic: async (ref, slot) => {
      seen.push(['removeNic', ref.id, slot]);
      return done('nic.remove', ref.id);
    },
    getGuestAddresses: async (ref, request): Promise<GuestAddresses> => {
      seen.push(['getGuestAddresses', ref.id, request]);
      return { guestId: ref.id, interfaces: [], sources: {} };
    },
    createGuest: async (spec) => {
      seen.push(['createGuest', spec.name]);
      return done('create', 'vm/9');
    },
  };
  return { connector: defineConnector(recording(overrides).implementation), seen };
}

type Call = (c: HypervisorConnector, guestId: string) => Promise<unknown>;

/** Each new guest method with a valid input, and the capability its gate checks. */
const methods: readonly { name: string; capability: CapabilityName; call: Call }[] = [
  { name: 'getGuestConfig', capability: 'guestConfig', call: (c, g) => c.getGuestConfig(g) },
  { name: 'convertToTemplate', capability: 'templates', call: (c, g) => c.convertToTemplate(g) },
  {
    name: 'resizeDisk',
    capability: 'disks.resize',
    call: (c, g) => c.resizeDisk(g, 'scsi0', { sizeGiB: 20 }),
  },
  { name: 'addDisk', capability: 'disks.add', call: (c, g) => c.addDisk(g, { sizeGiB: 4 }) },
  { name: 'removeDisk', capability: 'disks.remove', call: (c, g) => c.removeDisk(g, 'scsi1') },
  { name: 'addNic', capability: 'nics.add', call: (c, g) => c.addNic(g, { network: 'vmbr0' }) },
  { name: 'removeNic', capability: 'nics.remove', call: (c, g) => c.removeNic(g, 'net1') },
  {
    name: 'getGuestAddresses',
    capability: 'guestAddresses.host',
    call: (c, g) => c.getGuestAddresses(g, { sources: ['host'] }),
  },
];

/** `capabilities` with one capability switched off. */
function without(name: CapabilityName): Capabilities {
  const [head, tail] = name.split('.') as [keyof Capabilities, string | undefined];
  const copy = structuredClone(FULL_CAPABILITIES) as unknown as Record<string, unknown>;
  if (tail === undefined) copy[head] = false;
  else if (Array.isArray(copy[head])) copy[head] = (copy[head] as string[]).filter((v) => v !== tail);
  else copy[head] = { ...(copy[head] as object), [tail]: false };
  return copy as unknown as Capabilities;
}

describe('the provisioning methods of defineConnector', () => {
  it('hand the implementation the guest reference and the validated input with its defaults', async () => {
    const { connector, seen } = provisioning();
    for (const { call } of methods) await call(connector, 'vm/3');
    expect(seen).toEqual([
      ['getGuestConfig', 'vm/3'],
      ['convertToTemplate', 'vm/3'],
      ['resizeDisk', 'vm/3', 'scsi0', { sizeGiB: 20 }],
      ['addDisk', 'vm/3', { sizeGiB: 4 }],
      ['removeDisk', 'vm/3', 'scsi1', { keepVolume: false }],
      ['addNic', 'vm/3', { bridge: 'vmbr0' }],
      ['removeNic', 'vm/3', 'net1'],
      ['getGuestAddresses', 'vm/3', { sources: ['host'] }],
    ]);
  });

  it('refuse bad input with INVALID_ARGUMENT naming the field, before the gate and the implementation', async () => {
    const { connector, seen } = provisioning(without('disks.resize'));
    const cases: [() => Promise<unknown>, string][] = [
      [() => connector.resizeDisk('vm/1', 'Bad Slot', { sizeGiB: 2 }), 'slot'],
      [() => connector.resizeDisk('vm/1', 'scsi0', { sizeGiB: -1 }), 'sizeGiB'],
      [() => connector.resizeDisk('vm/1', 'scsi0', { sizeGiB: 2, grow: true } as never), 'grow'],
      [() => connector.addDisk('vm/1', { sizeGiB: 0 }), 'sizeGiB'],
      [() => connector.addDisk('vm/1', { sizeGiB: 1, slot: '9disk' }), 'slot'],
      [() => connector.addDisk('vm/1', { sizeGiB: 1, storage: 'no storage' }), 'storage'],
      [() => connector.removeDisk('vm/1', 'scsi-1'), 'slot'],
      [() => connector.removeDisk('vm/1', 'scsi1', { keepVolume: 'yes' } as never), 'keepVolume'],
      [() => connector.addNic('vm/1', {}), 'network'],
      [() => connector.addNic('vm/1', { network: 'vmbr0', bridge: 'vmbr1' }), 'network'],
      [() => connector.addNic('vm/1', { network: 'vmbr0', vlan: 5000 }), 'vlan'],
      [() => connector.addNic('vm/1', { network: 'vmbr0', slot: 'NET1' }), 'slot'],
      [() => connector.removeNic('vm/1', ''), 'slot'],
      [() => connector.getGuestAddresses('vm/1', { sources: ['dns'] } as never), 'sources.0'],
      [() => connector.getGuestAddresses('vm/1', { sources: ['host', 'host'] }), 'sources'],
      [() => connector.getGuestConfig('not a guest'), 'guestId'],
    ];
    for (const [call, field] of cases) {
      const error = await rejection(call());
      expect(error, field).toMatchObject({ code: 'INVALID_ARGUMENT', target: 'lab-1' });
      const fields = (error as { violations: { field: string }[] }).violations.map((v) => v.field);
      expect(fields, field).toContain(field);
    }
    expect(seen).toEqual([]);
  });

  it('answer UNSUPPORTED naming the capability declared missing, and never run the implementation', async () => {
    for (const { name, capability, call } of methods) {
      const { connector, seen } = provisioning(without(capability));
      expect(await rejection(call(connector, 'vm/1')), name).toMatchObject({
        code: 'UNSUPPORTED',
        capability,
        target: 'lab-1',
      });
      expect(seen, name).toEqual([]);
    }
  });

  it('answer UNSUPPORTED when the capability group is absent altogether (a connector of an earlier v1)', async () => {
    const {
      disks: _d,
      nics: _n,
      templates: _t,
      guestConfig: _g,
      guestAddresses: _a,
      ...older
    } = FULL_CAPABILITIES;
    const { connector, seen } = provisioning(older);
    for (const { name, capability, call } of methods) {
      expect(await rejection(call(connector, 'vm/1')), name).toMatchObject({
        code: 'UNSUPPORTED',
        capability,
      });
    }
    expect(seen).toEqual([]);
  });

  it('refuse what the guest type lacks with its note, and allow it for the other type', async () => {
    const capabilities: Capabilities = {
      ...FULL_CAPABILITIES,
      unsupportedByGuestType: {
        container: {
          'disks.add': 'containers get mount points instead',
          templates: 'no container templates here',
          'guestAddresses.host': 'not read by the host',
        },
      },
    };
    const { connector, seen } = provisioning(capabilities);
    expect(await rejection(connector.addDisk('ct/2', { sizeGiB: 1 }))).toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'disks.add',
      message: 'unsupported: disks.add (containers get mount points instead)',
    });
    expect(await rejection(connector.convertToTemplate('ct/2'))).toMatchObject({ capability: 'templates' });
    expect(await rejection(connector.getGuestAddresses('ct/2', { sources: ['host'] }))).toMatchObject({
      capability: 'guestAddresses.host',
    });
    expect(seen).toEqual([]);
    await connector.addDisk('vm/2', { sizeGiB: 1 });
    await connector.removeNic('ct/2', 'net0');
    expect(seen.map((call) => call[0])).toEqual(['addDisk', 'removeNic']);
  });

  it('answer UNSUPPORTED naming the capability when the implementation lacks the method', async () => {
    const connector = defineConnector(recording().implementation);
    for (const { name, capability, call } of methods) {
      expect(await rejection(call(connector, 'vm/1')), name).toMatchObject({
        code: 'UNSUPPORTED',
        capability,
      });
    }
  });
});

describe('getGuestAddresses with no sources asked', () => {
  it('asks every source the capabilities have, for the guest type', async () => {
    const capabilities: Capabilities = {
      ...FULL_CAPABILITIES,
      guestAddresses: ['agent', 'host'],
      unsupportedByGuestType: { container: { 'guestAddresses.agent': 'containers have no agent' } },
    };
    const { connector, seen } = provisioning(capabilities);
    await connector.getGuestAddresses('vm/1');
    await connector.getGuestAddresses('ct/1', {});
    expect(seen).toEqual([
      ['getGuestAddresses', 'vm/1', { sources: ['agent', 'host'] }],
      ['getGuestAddresses', 'ct/1', { sources: ['host'] }],
    ]);
  });

  it('is UNSUPPORTED when the guest has none', async () => {
    const { connector, seen } = provisioning({ ...FULL_CAPABILITIES, guestAddresses: [] });
    expect(await rejection(connector.getGuestAddresses('vm/1'))).toMatchObject({
      code: 'UNSUPPORTED',
      capability: expect.stringMatching(/^guestAddresses\./),
    });
    expect(seen).toEqual([]);
  });
});

describe("createGuest's gate derived from the spec", () => {
  const base = { type: 'vm', name: 'web-1' } as const;
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl me@host';
  const cases: [string, GuestSpecInput, CapabilityName][] = [
    [
      'an image source',
      { ...base, source: { kind: 'image', volumeId: 'local:import/a.qcow2' } },
      'sources.image',
    ],
    ['an iso source', { ...base, source: { kind: 'iso', volumeId: 'local:iso/a.iso' } }, 'sources.iso'],
    ['a template source', { ...base, source: { kind: 'template', guestId: 'vm/5' } }, 'sources.template'],
    [
      'a linked template clone',
      { ...base, source: { kind: 'template', guestId: 'vm/5', mode: 'linked' } },
      'clone.linked',
    ],
    ['a boot order', { ...base, boot: ['network', 'disk'] }, 'bootOrder'],
    ['cloud-init', { ...base, cloudInit: { user: 'ops', sshAuthorizedKeys: [key] } }, 'cloudInit.config'],
    ['a host name other than the name', { ...base, cloudInit: { hostname: 'db' } }, 'cloudInit.hostname'],
    ['inline user-data', { ...base, cloudInit: { userData: '#cloud-config\n' } }, 'cloudInit.userData'],
    [
      'user-data from a volume',
      { ...base, cloudInit: { userDataVolume: 'local:snippets/u.yaml' } },
      'cloudInit.userDataVolume',
    ],
  ];

  for (const [what, spec, capability] of cases) {
    it(`needs ${capability} for ${what}`, async () => {
      const refused = provisioning(without(capability));
      expect(await rejection(refused.connector.createGuest(spec))).toMatchObject({
        code: 'UNSUPPORTED',
        capability,
      });
      expect(refused.seen).toEqual([]);
      const allowed = provisioning();
      await allowed.connector.createGuest(spec);
      expect(allowed.seen).toEqual([['createGuest', 'web-1']]);
    });
  }

  it('does not need cloudInit.hostname for a host name equal to the name, nor sources for a blank VM', async () => {
    const capabilities = {
      ...without('cloudInit.hostname'),
      sources: { template: false, image: false, iso: false },
      bootOrder: false,
    };
    const { connector, seen } = provisioning(capabilities);
    await connector.createGuest({ ...base, cloudInit: { hostname: 'web-1' } });
    await connector.createGuest({ ...base, disks: [{ sizeGiB: 8 }] });
    expect(seen).toHaveLength(2);
  });

  it('applies what the VM type lacks, with its note', async () => {
    const { connector, seen } = provisioning({
      ...FULL_CAPABILITIES,
      unsupportedByGuestType: { vm: { 'sources.iso': 'no CD-ROMs on this target' } },
    });
    expect(
      await rejection(
        connector.createGuest({ ...base, source: { kind: 'iso', volumeId: 'local:iso/a.iso' } }),
      ),
    ).toMatchObject({ code: 'UNSUPPORTED', message: 'unsupported: sources.iso (no CD-ROMs on this target)' });
    expect(seen).toEqual([]);
  });

  it('refuses cloud-init on a container as INVALID_ARGUMENT: its spec has no such field', async () => {
    const { connector, seen } = provisioning();
    const error = await rejection(
      connector.createGuest({
        type: 'container',
        name: 'ct',
        osTemplate: 'local:vztmpl/d.tar.zst',
        cloudInit: { user: 'ops' },
      } as never),
    );
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', violations: [{ field: 'cloudInit' }] });
    expect(seen).toEqual([]);
  });
});
