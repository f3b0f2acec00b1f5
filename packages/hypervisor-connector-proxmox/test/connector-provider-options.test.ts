import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { type FakeTarget, KIT_SPECS, startFakeTarget } from './support/pve-fake-target.js';

// `providerOptions.proxmox` against the PVE fake over loopback HTTPS: the PVE parameters of each call pass, any
// other key is refused before a request is sent.
let target: FakeTarget;
let connector: ReturnType<FakeTarget['connect']>;
beforeAll(async () => {
  target = await startFakeTarget();
  connector = target.connect('token');
});
afterAll(async () => {
  await connector.close();
  await target.close();
});

const writes = () => target.fake.requests.filter((r) => r.method !== 'GET').length;

describe('providerOptions.proxmox', () => {
  it('refuses a misspelled parameter, naming it and the closest known one, sending nothing', async () => {
    const before = writes();
    const error = await rejection(
      connector.createGuest({ ...KIT_SPECS.vm('typo-vm'), providerOptions: { proxmox: { ballon: 256 } } }),
    );
    expect(error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message:
        'invalid guest spec: providerOptions.proxmox.ballon: not a parameter of this PVE call (did you mean balloon?)',
      details: { violations: [{ field: 'providerOptions.proxmox.ballon' }] },
    });
    const cloneError = await rejection(
      connector.cloneGuest('qemu/9000', { name: 'typo-clone', providerOptions: { proxmox: { cores: 2 } } }),
    );
    expect(cloneError).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { violations: [{ field: 'providerOptions.proxmox.cores' }] },
    });
    const patchError = await rejection(
      connector.updateGuest('qemu/101', {
        providerOptions: { proxmox: { net: 'virtio,bridge=vmbr0', agent: {} } },
      }),
    );
    expect(patchError).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: {
        violations: [
          {
            field: 'providerOptions.proxmox.net',
            message: 'not a parameter of this PVE call (did you mean net0?)',
          },
          { field: 'providerOptions.proxmox.agent', message: 'must be a string, number or boolean' },
        ],
      },
    });
    expect(writes()).toBe(before);
  });

  it('sends the parameters of the call, numbered families included, and leaves other kinds’ options alone', async () => {
    const created = await connector.waitForOperation(
      (
        await connector.createGuest({
          ...KIT_SPECS.vm('options-vm'),
          providerOptions: {
            proxmox: { balloon: 256, net1: 'virtio,bridge=vmbr0', agent: 1 },
            libvirt: { machine: 'q35' },
          },
        })
      ).id,
    );
    expect(created.status).toBe('succeeded');
    const vmid = Number(created.guestId?.split('/')[1]);
    expect(target.fake.guest(vmid)?.config).toMatchObject({
      balloon: 256,
      agent: '1',
      net1: expect.stringMatching(/^virtio=[0-9A-F:]{17},bridge=vmbr0$/),
    });
  });
});
