import { wire } from '@hvc/client';
import { describe, expect, it } from 'vitest';
import { type GuestSpecFlags, guestSpecOf } from '../src/commands/guest-spec.js';

const NO_LISTS: GuestSpecFlags = { disk: [], nic: [], tag: [], sshPublicKeys: [] };

describe('the guest spec of hvc guests create', () => {
  it('builds the API spec from the flags', () => {
    const spec = guestSpecOf(
      {
        ...NO_LISTS,
        name: 'web-2',
        cpus: 2,
        memory: 2048,
        disk: ['32:local-lvm', '8'],
        nic: ['vmbr0,model=virtio,vlan=10,firewall'],
        tag: ['web'],
        start: true,
      },
      {},
      undefined,
    );
    expect(spec).toMatchObject({
      type: wire.GuestType.VM,
      name: 'web-2',
      cpus: 2,
      memoryMib: 2048,
      disks: [{ sizeGib: 32, storage: 'local-lvm' }, { sizeGib: 8 }],
      nics: [{ bridge: 'vmbr0', model: 'virtio', vlan: 10, firewall: true }],
      tags: ['web'],
      start: true,
    });
  });

  it('lays the flags over --spec-file, in the API JSON form, and takes the password from stdin', () => {
    const spec = guestSpecOf(
      { ...NO_LISTS, type: 'container', cpus: 4 },
      { name: 'cache-2', cpus: 1, osTemplate: 'local:vztmpl/debian-12.tar.zst' },
      's3cret',
    );
    expect(spec).toMatchObject({
      type: wire.GuestType.CONTAINER,
      name: 'cache-2',
      cpus: 4,
      password: 's3cret',
    });
  });

  it('refuses a spec without a name, a bad disk or NIC, and an unknown field, before any call', () => {
    expect(() => guestSpecOf(NO_LISTS, {}, undefined)).toThrow('a new guest needs a name');
    expect(() => guestSpecOf({ ...NO_LISTS, name: 'x', disk: ['big'] }, {}, undefined)).toThrow('--disk big');
    expect(() => guestSpecOf({ ...NO_LISTS, name: 'x', nic: ['vmbr0,speed=10'] }, {}, undefined)).toThrow(
      'unknown setting "speed=10"',
    );
    expect(() => guestSpecOf(NO_LISTS, { name: 'x', colour: 'red' }, 'pw')).toThrow(
      /the guest spec is not valid: .*colour/,
    );
  });

  it("puts a VM's source, boot disk size, keys, addresses, user and password into the API's cloud-init fields", () => {
    const spec = guestSpecOf(
      {
        ...NO_LISTS,
        name: 'web-3',
        fromImage: 'local:import/noble.qcow2',
        diskSize: 20,
        nic: ['vmbr0', 'vmbr1'],
        ip: ['10.0.0.5/24,gw=10.0.0.1', 'dhcp'],
        user: 'ops',
        sshPublicKeys: ['ssh-ed25519 AAAA k'],
      },
      {},
      'pw-from-stdin',
    );
    expect(spec.source).toEqual({
      case: 'image',
      value: expect.objectContaining({ volumeId: 'local:import/noble.qcow2' }),
    });
    expect(spec.bootDisk?.sizeGib).toBe(20);
    expect(spec.password).toBeUndefined();
    expect(spec.sshPublicKeys).toEqual([]);
    expect(spec.cloudInit).toMatchObject({
      user: 'ops',
      password: 'pw-from-stdin',
      sshAuthorizedKeys: ['ssh-ed25519 AAAA k'],
    });
    expect(spec.cloudInit?.interfaces.map((i) => i.ipv4.case)).toEqual(['ipv4Static', 'ipv4Dhcp']);
    expect(spec.cloudInit?.interfaces[0]?.ipv4.value).toMatchObject({
      address: '10.0.0.5/24',
      gateway: '10.0.0.1',
    });
  });

  it("keeps a container's keys and root password where containers take them", () => {
    const spec = guestSpecOf(
      {
        ...NO_LISTS,
        type: 'container',
        name: 'c',
        osTemplate: 'x:vztmpl/a.tar.zst',
        sshPublicKeys: ['ssh-rsa AAAA k'],
      },
      {},
      'root-pw',
    );
    expect(spec).toMatchObject({ password: 'root-pw', sshPublicKeys: ['ssh-rsa AAAA k'] });
    expect(spec.cloudInit).toBeUndefined();
  });

  it('refuses two sources and an address without a prefix length', () => {
    expect(() =>
      guestSpecOf({ ...NO_LISTS, name: 'x', fromTemplate: 'qemu/9000', iso: 'l:iso/a.iso' }, {}, undefined),
    ).toThrow('exclude each other');
    expect(() => guestSpecOf({ ...NO_LISTS, name: 'x', ip: ['10.0.0.5'] }, {}, undefined)).toThrow(
      '--ip 10.0.0.5',
    );
  });
});
