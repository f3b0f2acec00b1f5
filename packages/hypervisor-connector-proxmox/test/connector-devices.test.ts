import { isHypervisorError } from '@hvc/hypervisor-connector';
import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxConnector, type ProxmoxConnector } from '../src/index.js';

const GiB = 1024 ** 3;
const MAC = 'BC:24:11:AA:BB:01';

/** The error a call rejects with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/**
 * getGuestConfig, convertToTemplate, resizeDisk, addDisk/removeDisk and addNic/removeNic over HTTPS against the PVE
 * fake: what each sends, what PVE then has, and every bad input refused before a write.
 */
describe('the Proxmox connector device changes', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let pve: ProxmoxConnector;
  /** Writes the fake has answered so far. */
  const writes = () => fake.requests.filter((request) => request.method !== 'GET');

  beforeAll(async () => {
    fake = createPveFake({
      nodes: ['pve1'],
      taskDurationMs: 20,
      guests: [
        {
          type: 'qemu',
          vmid: 100,
          name: 'web',
          config: {
            net0: `virtio=${MAC},bridge=vmbr0,tag=20,firewall=1`,
            ide0: 'local-lvm:vm-100-cloudinit,media=cdrom',
            ciuser: 'ops',
            cipassword: '$6$rounds=5000$abcdefgh$' + 'x'.repeat(86),
            sshkeys: encodeURIComponent(
              'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDrM5sbPfq7b1xBoxUq1OX7Q9Fk0vJ1u ops@x\n',
            ),
            ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1,ip6=auto',
            nameserver: '10.0.0.53 10.0.0.54',
            searchdomain: 'example.org',
            agent: 'enabled=1',
          },
        },
        { type: 'qemu', vmid: 101, name: 'running', status: 'running' },
        { type: 'qemu', vmid: 102, name: 'snapshotted', snapshots: ['before'] },
        { type: 'qemu', vmid: 103, name: 'to-template' },
        { type: 'qemu', vmid: 104, name: 'already', template: true },
        { type: 'lxc', vmid: 200, name: 'ct-template' },
        { type: 'qemu', vmid: 105, name: 'disks' },
      ],
    });
    server = await fake.listen();
    pve = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
      tls: { fingerprint: server.fingerprint },
      tasks: { initialIntervalMs: 10, maxIntervalMs: 50 },
    });
  });
  afterAll(async () => {
    await pve.close();
    await fake.close();
  });

  const config = (vmid: number) => fake.guest(vmid)?.config ?? {};

  it('reads disks, CD-ROMs incl. the cloud-init drive, NICs, boot order and cloud-init without secrets', async () => {
    const read = await pve.getGuestConfig('qemu/100');
    expect(read).toMatchObject({
      guestId: 'qemu/100',
      cpus: 2,
      memoryMiB: 2048,
      firmware: 'bios',
      boot: ['disk', 'cdrom', 'network'],
      template: false,
      guestAgent: true,
    });
    expect(read.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(read.disks).toEqual([
      {
        slot: 'scsi0',
        sizeBytes: 32 * GiB,
        storage: 'local-lvm',
        volumeId: 'local-lvm:vm-100-disk-0',
        boot: true,
      },
    ]);
    expect(read.cdroms).toEqual([
      { slot: 'ide0', volumeId: 'local-lvm:vm-100-cloudinit', cloudInit: true },
      { slot: 'ide2', cloudInit: false },
    ]);
    expect(read.nics).toEqual([
      {
        slot: 'net0',
        network: 'vmbr0',
        macAddress: MAC.toLowerCase(),
        model: 'virtio',
        vlan: 20,
        firewall: true,
      },
    ]);
    expect(read.cloudInit).toEqual({
      user: 'ops',
      hasPassword: true,
      sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDrM5sbPfq7b1xBoxUq1OX7Q9Fk0vJ1u ops@x'],
      interfaces: [{ ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' }, ipv6: 'slaac' }],
      nameservers: ['10.0.0.53', '10.0.0.54'],
      searchDomains: ['example.org'],
    });
    expect(JSON.stringify(read)).not.toContain('$6$');
  });

  it('reads a container: rootfs as its boot disk, its NIC by hwaddr', async () => {
    const read = await pve.getGuestConfig('lxc/200');
    expect(read.disks).toEqual([
      expect.objectContaining({ slot: 'rootfs', sizeBytes: 8 * GiB, storage: 'local-lvm', boot: true }),
    ]);
    expect(read.nics[0]).toMatchObject({ slot: 'net0', network: 'vmbr0' });
    expect(read.cloudInit).toBeUndefined();
  });

  it('converts a stopped VM and a container to templates; a template again is a succeeded no-op', async () => {
    const vm = await pve.convertToTemplate('qemu/103');
    expect(vm).toMatchObject({ type: 'template.convert', guestId: 'qemu/103' });
    await pve.waitForOperation(vm.id);
    expect(config(103).template).toBe(1);
    const ct = await pve.convertToTemplate('lxc/200');
    expect(ct).toMatchObject({ type: 'template.convert', guestId: 'lxc/200', status: 'succeeded' });
    expect(await pve.getOperation(ct.id)).toEqual(ct);
    expect(config(200).template).toBe(1);
    const before = writes().length;
    const again = await pve.convertToTemplate('qemu/104');
    expect(again.status).toBe('succeeded');
    expect(await pve.waitForOperation(again.id)).toMatchObject({ status: 'succeeded', guestId: 'qemu/104' });
    expect(writes().length).toBe(before);
  });

  it('refuses to convert a running guest or one with snapshots: CONFLICT with the reason', async () => {
    const running = await failure(pve.convertToTemplate('qemu/101'));
    expect(isHypervisorError(running, 'CONFLICT') && running.details).toMatchObject({
      reason: 'GUEST_RUNNING',
    });
    expect(isHypervisorError(running) && running.retryable).toBe(false);
    const snapshotted = await failure(pve.convertToTemplate('qemu/102'));
    expect(isHypervisorError(snapshotted, 'CONFLICT') && snapshotted.details).toMatchObject({
      reason: 'HAS_SNAPSHOTS',
    });
    expect(config(101).template).toBeUndefined();
    expect(config(102).template).toBeUndefined();
  });

  it('grows a disk to an absolute size; the same size again sends nothing', async () => {
    const operation = await pve.resizeDisk('qemu/105', 'scsi0', { sizeGiB: 40 });
    expect(operation).toMatchObject({ type: 'disk.resize', guestId: 'qemu/105', resourceId: 'scsi0' });
    const done = await pve.waitForOperation(operation.id);
    expect(done.resourceId).toBe('scsi0');
    expect((await pve.getGuestConfig('qemu/105')).disks[0]?.sizeBytes).toBe(40 * GiB);
    const before = writes().length;
    const again = await pve.resizeDisk('qemu/105', 'scsi0', { sizeGiB: 40 });
    expect(again.status).toBe('succeeded');
    expect(writes().length).toBe(before);
  });

  it('grows the disk of a running VM', async () => {
    const operation = await pve.resizeDisk('qemu/101', 'scsi0', { sizeGiB: 33 });
    await pve.waitForOperation(operation.id);
    expect((await pve.getGuestConfig('qemu/101')).disks[0]?.sizeBytes).toBe(33 * GiB);
  });

  it('refuses a shrink, a CD-ROM, an unknown slot and a stale digest before sending anything', async () => {
    const before = writes().length;
    const shrink = await failure(pve.resizeDisk('qemu/105', 'scsi0', { sizeGiB: 10 }));
    expect(isHypervisorError(shrink, 'INVALID_ARGUMENT') && shrink.details).toMatchObject({
      violations: [{ field: 'sizeGiB', message: 'disks only grow; the disk has 40 GiB' }],
    });
    const cdrom = await failure(pve.resizeDisk('qemu/105', 'ide2', { sizeGiB: 50 }));
    expect(isHypervisorError(cdrom, 'INVALID_ARGUMENT') && cdrom.details).toMatchObject({
      violations: [{ field: 'slot' }],
    });
    const unknown = await failure(pve.resizeDisk('qemu/105', 'scsi7', { sizeGiB: 50 }));
    expect(isHypervisorError(unknown, 'NOT_FOUND') && unknown.details).toMatchObject({
      resource: 'disk',
      id: 'scsi7',
    });
    const stale = await failure(
      pve.resizeDisk('qemu/105', 'scsi0', { sizeGiB: 50, ifMatch: 'f'.repeat(40) }),
    );
    expect(isHypervisorError(stale, 'CONFLICT')).toBe(true);
    const badSlot = await failure(pve.resizeDisk('qemu/105', 'SCSI0', { sizeGiB: 50 }));
    expect(isHypervisorError(badSlot, 'INVALID_ARGUMENT')).toBe(true);
    expect(writes().length).toBe(before);
  });

  it('adds a disk in the next free slot, then removes it destroying the volume', async () => {
    const added = await pve.addDisk('qemu/105', { sizeGiB: 4, storage: 'local-lvm' });
    expect(added).toMatchObject({ type: 'disk.add', resourceId: 'scsi1' });
    expect((await pve.waitForOperation(added.id)).resourceId).toBe('scsi1');
    const disk = (await pve.getGuestConfig('qemu/105')).disks.find((d) => d.slot === 'scsi1');
    expect(disk).toMatchObject({ sizeBytes: 4 * GiB, storage: 'local-lvm', boot: false });
    const removed = await pve.removeDisk('qemu/105', 'scsi1');
    expect(removed).toMatchObject({ type: 'disk.remove', resourceId: 'scsi1' });
    await pve.waitForOperation(removed.id);
    expect(config(105).scsi1).toBeUndefined();
    expect(Object.keys(config(105)).filter((k) => k.startsWith('unused'))).toEqual([]);
    expect(fake.cluster.volumes('pve1', 'local-lvm').map((v) => v.volid)).not.toContain(disk?.volumeId);
  });

  it('keeps the volume as unusedN with keepVolume', async () => {
    const added = await pve.addDisk('qemu/105', { sizeGiB: 2, slot: 'scsi3' });
    await pve.waitForOperation(added.id);
    const volume = (await pve.getGuestConfig('qemu/105')).disks.find((d) => d.slot === 'scsi3')?.volumeId;
    await pve.waitForOperation((await pve.removeDisk('qemu/105', 'scsi3', { keepVolume: true })).id);
    expect(Object.values(config(105))).toContain(volume);
  });

  it('refuses a taken slot, a CD-ROM removal and unknown slots', async () => {
    const taken = await failure(pve.addDisk('qemu/105', { sizeGiB: 2, slot: 'scsi0' }));
    expect(isHypervisorError(taken, 'CONFLICT') && taken.details).toMatchObject({ reason: 'SLOT_TAKEN' });
    const notDisk = await failure(pve.addDisk('qemu/105', { sizeGiB: 2, slot: 'net5' }));
    expect(isHypervisorError(notDisk, 'INVALID_ARGUMENT')).toBe(true);
    const cdrom = await failure(pve.removeDisk('qemu/105', 'ide2'));
    expect(isHypervisorError(cdrom, 'INVALID_ARGUMENT')).toBe(true);
    const missing = await failure(pve.removeDisk('qemu/105', 'virtio3'));
    expect(isHypervisorError(missing, 'NOT_FOUND')).toBe(true);
    const nic = await failure(pve.removeNic('qemu/105', 'net9'));
    expect(isHypervisorError(nic, 'NOT_FOUND') && nic.details).toMatchObject({ resource: 'nic' });
  });

  it('adds a NIC as the next free netN and removes it with its ipconfig', async () => {
    const added = await pve.addNic('qemu/100', {
      network: 'vmbr0',
      vlan: 30,
      macAddress: 'bc:24:11:aa:bb:02',
    });
    expect(added).toMatchObject({ type: 'nic.add', resourceId: 'net1' });
    await pve.waitForOperation(added.id);
    expect(config(100).net1).toBe('virtio=BC:24:11:AA:BB:02,bridge=vmbr0,tag=30');
    const removed = await pve.removeNic('qemu/100', 'net0');
    await pve.waitForOperation(removed.id);
    expect(config(100).net0).toBeUndefined();
    expect(config(100).ipconfig0).toBeUndefined();
    const nics = (await pve.getGuestConfig('qemu/100')).nics;
    expect(nics.map((n) => n.slot)).toEqual(['net1']);
  });

  it('refuses a NIC on an unknown network before sending anything', async () => {
    const before = writes().length;
    const error = await failure(pve.addNic('qemu/105', { network: 'nowhere' }));
    expect(isHypervisorError(error, 'NOT_FOUND') && error.details).toMatchObject({
      resource: 'network',
      id: 'nowhere',
      field: 'network',
    });
    expect(writes().length).toBe(before);
  });

  it('refuses disk and NIC changes on containers as UNSUPPORTED', async () => {
    const error = await failure(pve.addNic('lxc/200', { bridge: 'vmbr0' }));
    expect(isHypervisorError(error, 'UNSUPPORTED')).toBe(true);
  });
});
