import { describe, expect, it } from 'vitest';
import { createLibvirtConnector } from '../../src/connector/libvirt-connector.js';

// Options are checked before any I/O: the host is never reached (nothing listens on port 9 of the loopback).
const connector = () => createLibvirtConnector({ hosts: ['qemu+tcp://127.0.0.1:9/system'] });
const guestId = '00000000-0000-4000-8000-000000000001';

describe('providerOptions.libvirt', () => {
  it('refuses a misspelled option of each method that takes options, naming it', async () => {
    const libvirt = connector();
    await expect(
      libvirt.createGuest({
        type: 'vm',
        name: 'a',
        providerOptions: { libvirt: { kernal: '/boot/vmlinuz' } },
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'invalid guest spec: providerOptions.libvirt.kernal: unknown field',
    });
    await expect(
      libvirt.updateGuest(guestId, { providerOptions: { libvirt: { templat: true } } }),
    ).rejects.toMatchObject({ details: { violations: [{ field: 'providerOptions.libvirt.templat' }] } });
    await expect(
      libvirt.migrateGuest(guestId, {
        targetNode: 'kvm2',
        providerOptions: { libvirt: { storagecopy: true } },
      }),
    ).rejects.toMatchObject({ details: { violations: [{ field: 'providerOptions.libvirt.storagecopy' }] } });
    await expect(
      libvirt.cloneGuest(guestId, { name: 'b', providerOptions: { libvirt: { template: true } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'invalid clone spec: providerOptions.libvirt.template: unknown field',
    });
    await libvirt.close();
  });

  it('checks the values of known options too', async () => {
    const libvirt = connector();
    await expect(
      libvirt.createGuest({ type: 'vm', name: 'a', providerOptions: { libvirt: { kernel: 'relative' } } }),
    ).rejects.toMatchObject({ details: { violations: [{ field: 'providerOptions.libvirt.kernel' }] } });
    await libvirt.close();
  });
});
