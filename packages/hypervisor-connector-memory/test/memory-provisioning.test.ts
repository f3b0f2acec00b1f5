import type { Operation } from '@hvc/hypervisor-connector';
import {
  createManualClock,
  createMemoryConnector,
  type MemoryConnectorConfig,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

const DURATION = 100;
const GIB = 1024 ** 3;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl me@host';
const IMAGE = 'shared-nfs:import/noble-server-cloudimg-amd64.qcow2';
const ISO = 'local:iso/debian-12.7.0-amd64-netinst.iso';

/** Seeds: vm/100 running, vm/101 a template (10 GiB), vm/102 stopped. */
function setup(config: MemoryConnectorConfig = {}) {
  const clock = createManualClock();
  const connector = createMemoryConnector({
    clock,
    operationDurationMs: DURATION,
    guests: [
      { type: 'vm', name: 'web-1', state: 'running' },
      { type: 'vm', name: 'golden', template: true, diskGiB: 10 },
      { type: 'vm', name: 'idle' },
    ],
    ...config,
  });
  const finish = async (operation: Operation | Promise<Operation>) => {
    const { id } = await operation;
    await clock.advance(DURATION);
    const done = await connector.getOperation(id);
    expect(done.status).toBe('succeeded');
    return done;
  };
  return { clock, connector, finish };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createGuest with a source', () => {
  it('imports an image as the boot disk, grown, with extra disks after it and cloud-init without secrets', async () => {
    const { connector, finish } = setup();
    const created = await finish(
      connector.createGuest({
        type: 'vm',
        name: 'app-1',
        source: { kind: 'image', volumeId: IMAGE },
        bootDisk: { sizeGiB: 20 },
        disks: [{ sizeGiB: 5, storage: 'shared-nfs' }],
        nics: [{ network: 'vmbr0' }],
        guestAgent: true,
        cloudInit: {
          user: 'ops',
          password: 'hunter2-secret',
          sshAuthorizedKeys: [KEY],
          interfaces: [{ ipv4: { address: '192.168.0.50/24', gateway: '192.168.0.1' } }],
          dns: { nameservers: ['192.168.0.1'] },
        },
      }),
    );
    const config = await connector.getGuestConfig(created.guestId!);
    expect(config).toMatchObject({
      guestId: created.guestId,
      disks: [
        {
          slot: 'scsi0',
          sizeBytes: 20 * GIB,
          storage: 'local-lvm',
          volumeId: 'local-lvm:vm-103-disk-0',
          boot: true,
        },
        { slot: 'scsi1', sizeBytes: 5 * GIB, storage: 'shared-nfs', boot: false },
      ],
      cdroms: [{ slot: 'ide0', cloudInit: true }],
      nics: [{ slot: 'net0', network: 'vmbr0', macAddress: '52:54:00:00:67:00' }],
      guestAgent: true,
      template: false,
      cloudInit: {
        user: 'ops',
        hasPassword: true,
        sshAuthorizedKeys: [KEY],
        interfaces: [{ ipv4: { address: '192.168.0.50/24', gateway: '192.168.0.1' } }],
        nameservers: ['192.168.0.1'],
        searchDomains: [],
      },
    });
    const everything = JSON.stringify([config, await connector.getGuest(created.guestId!), connector.state]);
    expect(everything).not.toContain('hunter2-secret');
  });

  it('boots an ISO from a CD-ROM first, and clones a template fully or linked', async () => {
    const { connector, finish } = setup();
    const iso = await finish(
      connector.createGuest({
        type: 'vm',
        name: 'installer',
        source: { kind: 'iso', volumeId: ISO },
        disks: [{ sizeGiB: 8 }],
      }),
    );
    expect(await connector.getGuestConfig(iso.guestId!)).toMatchObject({
      boot: ['cdrom', 'disk'],
      cdroms: [{ slot: 'ide2', volumeId: ISO, cloudInit: false }],
      disks: [{ slot: 'scsi0', sizeBytes: 8 * GIB, boot: true }],
    });

    const full = connector.createGuest({
      type: 'vm',
      name: 'from-golden',
      source: { kind: 'template', guestId: 'vm/101' },
      bootDisk: { sizeGiB: 12 },
      disks: [{ sizeGiB: 1 }],
      boot: ['disk', 'network'],
    });
    expect((await connector.getGuest('vm/101')).lock).toBe('clone');
    const fromTemplate = await finish(full);
    expect(await connector.getGuestConfig(fromTemplate.guestId!)).toMatchObject({
      boot: ['disk', 'network'],
      disks: [
        { slot: 'scsi0', sizeBytes: 12 * GIB, boot: true },
        { slot: 'scsi1', sizeBytes: 1 * GIB },
      ],
      nics: [{ slot: 'net0', network: 'vmbr0' }],
    });
    expect((await connector.getGuest('vm/101')).lock).toBeUndefined();

    const linked = await finish(
      connector.createGuest({
        type: 'vm',
        name: 'thin',
        source: { kind: 'template', guestId: 'vm/101', mode: 'linked' },
      }),
    );
    expect((await connector.getGuest(linked.guestId!)).raw).toMatchObject({ linkedFrom: 'vm/101' });
    expect(await rejection(connector.deleteGuest('vm/101'))).toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses what the inventory does not have with NOT_FOUND naming the field, and creates nothing', async () => {
    const { connector } = setup();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ disks: [{ sizeGiB: 1, storage: 'fast' }] }, 'disks.0.storage', 'storage'],
      [{ nics: [{ network: 'vmbr7' }] }, 'nics.0.network', 'network'],
      [{ nics: [{ bridge: 'vmbr9' }] }, 'nics.0.network', 'network'],
      [{ source: { kind: 'image', volumeId: 'shared-nfs:import/none.qcow2' } }, 'source.volumeId', 'image'],
      [{ source: { kind: 'image', volumeId: 'nas:import/a.qcow2' } }, 'source.volumeId', 'storage'],
      [{ source: { kind: 'iso', volumeId: 'local:iso/none.iso' } }, 'source.volumeId', 'image'],
      [{ source: { kind: 'template', guestId: 'vm/999' } }, 'source.guestId', 'template'],
      [
        { source: { kind: 'image', volumeId: IMAGE }, bootDisk: { storage: 'fast' } },
        'bootDisk.storage',
        'storage',
      ],
      [{ cdrom: 'local:iso/none.iso' }, 'cdrom', 'image'],
    ];
    for (const [extra, field, resource] of cases) {
      expect(
        await rejection(connector.createGuest({ type: 'vm', name: 'x', ...extra })),
        field,
      ).toMatchObject({
        code: 'NOT_FOUND',
        details: { field, resource },
      });
    }
    expect((await connector.listGuests()).map((g) => g.id)).toEqual(['vm/100', 'vm/101', 'vm/102']);
  });

  it('refuses what the inventory has but cannot use that way with CONFLICT, not retryable, and a reason', async () => {
    const { connector } = setup();
    const cases: [Record<string, unknown>, string][] = [
      [{ source: { kind: 'iso', volumeId: 'local-lvm:iso/a.iso' } }, 'STORAGE_CONTENT'],
      [{ disks: [{ sizeGiB: 1, storage: 'local' }] }, 'STORAGE_CONTENT'],
      [{ cloudInit: { userDataVolume: 'local-lvm:snippets/u.yaml' } }, 'STORAGE_CONTENT'],
      [
        { source: { kind: 'image', volumeId: 'shared-nfs:iso/ubuntu-24.04.1-live-server-amd64.iso' } },
        'IMAGE_KIND',
      ],
      [{ source: { kind: 'iso', volumeId: IMAGE } }, 'IMAGE_KIND'],
      [{ source: { kind: 'template', guestId: 'vm/102' } }, 'NOT_A_TEMPLATE'],
      [{ nics: [{ network: 'vmbr1', vlan: 10 }] }, 'NETWORK_NO_VLAN'],
    ];
    for (const [extra, reason] of cases) {
      expect(
        await rejection(connector.createGuest({ type: 'vm', name: 'x', ...extra })),
        reason,
      ).toMatchObject({
        code: 'CONFLICT',
        retryable: false,
        details: { reason },
      });
    }
    expect(await connector.listGuests()).toHaveLength(3);
  });

  it('refuses a boot disk below the source disk with INVALID_ARGUMENT bootDisk.sizeGiB', async () => {
    const { connector } = setup();
    for (const source of [
      { kind: 'template', guestId: 'vm/101' },
      { kind: 'image', volumeId: IMAGE },
    ] as const) {
      expect(
        await rejection(connector.createGuest({ type: 'vm', name: 'x', source, bootDisk: { sizeGiB: 2 } })),
      ).toMatchObject({ code: 'INVALID_ARGUMENT', violations: [{ field: 'bootDisk.sizeGiB' }] });
    }
  });
});

describe('cloneGuest onto a storage', () => {
  it('needs a storage of the target node that holds disks', async () => {
    const { connector, finish } = setup();
    expect(await rejection(connector.cloneGuest('vm/102', { storage: 'fast' }))).toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'storage', id: 'fast', field: 'storage' },
    });
    expect(await rejection(connector.cloneGuest('vm/102', { storage: 'local' }))).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'STORAGE_CONTENT', needs: 'disk' },
    });
    const clone = await finish(connector.cloneGuest('vm/102', { storage: 'shared-nfs' }));
    expect((await connector.getGuestConfig(clone.guestId!)).disks[0]?.storage).toBe('shared-nfs');
  });
});

describe('convertToTemplate', () => {
  it('makes a stopped guest a template, idempotently; a template cannot start; a running guest is refused', async () => {
    const { connector, finish } = setup();
    await finish(connector.convertToTemplate('vm/102'));
    expect((await connector.getGuest('vm/102')).template).toBe(true);
    const again = await finish(connector.convertToTemplate('vm/102'));
    expect(again).toMatchObject({ type: 'template.convert', guestId: 'vm/102' });
    expect(await rejection(connector.startGuest('vm/102'))).toMatchObject({
      code: 'CONFLICT',
      retryable: false,
    });
    expect(await rejection(connector.convertToTemplate('vm/100'))).toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      details: { reason: 'GUEST_RUNNING' },
    });
    expect((await connector.getGuest('vm/100')).template).toBe(false);
  });
});

describe('disk changes', () => {
  it('resizes to an absolute size: grow, the same size changes nothing, a shrink is INVALID_ARGUMENT', async () => {
    const { connector, finish } = setup();
    expect(await finish(connector.resizeDisk('vm/102', 'scsi0', { sizeGiB: 16 }))).toMatchObject({
      type: 'disk.resize',
      resourceId: 'scsi0',
    });
    await finish(connector.resizeDisk('vm/102', 'scsi0', { sizeGiB: 16 }));
    expect((await connector.getGuestConfig('vm/102')).disks[0]?.sizeBytes).toBe(16 * GIB);
    expect(await rejection(connector.resizeDisk('vm/102', 'scsi0', { sizeGiB: 4 }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'sizeGiB', message: 'disks only grow; the disk has 16 GiB' }],
    });
    expect(await rejection(connector.resizeDisk('vm/102', 'scsi7', { sizeGiB: 40 }))).toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'disk', id: 'scsi7', field: 'slot' },
    });
    const { digest } = await connector.getGuestConfig('vm/102');
    await finish(
      connector
        .updateGuest('vm/102', { cpus: 2 })
        .then(() => connector.resizeDisk('vm/102', 'scsi0', { sizeGiB: 17 })),
    );
    expect(
      await rejection(connector.resizeDisk('vm/102', 'scsi0', { sizeGiB: 18, ifMatch: digest! })),
    ).toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('resizes a running guest only with disks.resizeRunning, and never a CD-ROM', async () => {
    const { connector, finish } = setup({ capabilities: { disks: { resizeRunning: false } } });
    expect(await rejection(connector.resizeDisk('vm/100', 'scsi0', { sizeGiB: 40 }))).toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'disks.resizeRunning',
    });
    await finish(connector.resizeDisk('vm/102', 'scsi0', { sizeGiB: 40 }));
    const iso = await finish(
      connector.createGuest({ type: 'vm', name: 'cd', source: { kind: 'iso', volumeId: ISO } }),
    );
    expect(await rejection(connector.resizeDisk(iso.guestId!, 'ide2', { sizeGiB: 40 }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'slot' }],
    });
  });

  it('adds disks in the next free slot or the one asked, and removes them', async () => {
    const { connector, finish } = setup();
    expect(await finish(connector.addDisk('vm/102', { sizeGiB: 2 }))).toMatchObject({ resourceId: 'scsi1' });
    expect(
      await finish(connector.addDisk('vm/102', { sizeGiB: 3, slot: 'virtio4', storage: 'local-lvm' })),
    ).toMatchObject({
      type: 'disk.add',
      resourceId: 'virtio4',
    });
    expect(await rejection(connector.addDisk('vm/102', { sizeGiB: 1, slot: 'scsi1' }))).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'SLOT_IN_USE' },
    });
    expect(await rejection(connector.addDisk('vm/102', { sizeGiB: 1, slot: 'net3' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'slot' }],
    });
    expect(await rejection(connector.addDisk('vm/102', { sizeGiB: 1, storage: 'fast' }))).toMatchObject({
      code: 'NOT_FOUND',
      details: { field: 'storage', resource: 'storage' },
    });
    await finish(connector.removeDisk('vm/102', 'scsi1'));
    const slots = (await connector.getGuestConfig('vm/102')).disks.map((d) => [d.slot, d.sizeBytes / GIB]);
    expect(slots).toEqual([
      ['scsi0', 8],
      ['virtio4', 3],
    ]);
    expect(await rejection(connector.removeDisk('vm/102', 'scsi1'))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('NIC changes', () => {
  it('adds NICs on known networks in free slots and removes them', async () => {
    const { connector, finish } = setup();
    expect(await finish(connector.addNic('vm/102', { network: 'vnet100' }))).toMatchObject({
      type: 'nic.add',
      resourceId: 'net1',
    });
    await finish(
      connector.addNic('vm/102', {
        bridge: 'vmbr0',
        slot: 'net5',
        vlan: 20,
        macAddress: 'aa:bb:cc:dd:ee:ff',
      }),
    );
    expect((await connector.getGuestConfig('vm/102')).nics).toEqual([
      { slot: 'net0', network: 'vmbr0', macAddress: '52:54:00:00:66:00' },
      { slot: 'net1', network: 'vnet100', macAddress: '52:54:00:00:66:01' },
      { slot: 'net5', network: 'vmbr0', macAddress: 'aa:bb:cc:dd:ee:ff', vlan: 20 },
    ]);
    expect(await rejection(connector.addNic('vm/102', { network: 'nowhere' }))).toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'network', id: 'nowhere', field: 'network' },
    });
    expect(await rejection(connector.addNic('vm/102', { network: 'vmbr0', slot: 'net5' }))).toMatchObject({
      code: 'CONFLICT',
    });
    await finish(connector.removeNic('vm/102', 'net1'));
    expect((await connector.getGuestConfig('vm/102')).nics.map((n) => n.slot)).toEqual(['net0', 'net5']);
    expect(await rejection(connector.removeNic('vm/102', 'net1'))).toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'nic', field: 'slot' },
    });
  });
});

describe('getGuestAddresses', () => {
  it('reads the same addresses per NIC from the host while the guest runs, the static cloud-init one when set', async () => {
    const { connector, finish } = setup();
    const created = await finish(
      connector.createGuest({
        type: 'vm',
        name: 'addr',
        start: true,
        nics: [{ network: 'vmbr0' }, { network: 'vmbr1' }, { network: 'vnet100' }],
        cloudInit: {
          interfaces: [{}, { ipv4: { address: '10.10.0.77/24' }, ipv6: { address: 'fd00::7/64' } }],
        },
      }),
    );
    const addresses = await connector.getGuestAddresses(created.guestId!);
    expect(addresses).toEqual({
      guestId: created.guestId,
      sources: { host: { status: 'ok' } },
      interfaces: [
        {
          name: 'eth0',
          slot: 'net0',
          macAddress: '52:54:00:00:67:00',
          addresses: [{ address: '192.168.0.67', prefixLength: 24, family: 'ipv4', source: 'host' }],
        },
        {
          name: 'eth1',
          slot: 'net1',
          macAddress: '52:54:00:00:67:01',
          addresses: [
            { address: '10.10.0.77', prefixLength: 24, family: 'ipv4', source: 'host' },
            { address: 'fd00::7', prefixLength: 64, family: 'ipv6', source: 'host' },
          ],
        },
        {
          name: 'eth2',
          slot: 'net2',
          macAddress: '52:54:00:00:67:02',
          addresses: [{ address: '10.0.103.12', prefixLength: 24, family: 'ipv4', source: 'host' }],
        },
      ],
    });
    expect(await connector.getGuestAddresses(created.guestId!, { sources: ['host'] })).toEqual(addresses);
  });

  it('answers unavailable for a stopped guest, and refuses a source it does not read', async () => {
    const { connector } = setup();
    expect(await connector.getGuestAddresses('vm/102')).toEqual({
      guestId: 'vm/102',
      interfaces: [],
      sources: { host: { status: 'unavailable', message: 'guest vm/102 is stopped' } },
    });
    expect(await rejection(connector.getGuestAddresses('vm/102', { sources: ['agent'] }))).toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'guestAddresses.agent',
    });
  });
});
