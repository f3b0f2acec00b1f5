// Provisioning on the shared lab: a tiny guest made from an image volume with a NoCloud seed, booted, and the seed's
// files read back through the connector's serial terminal as the guest prints them; a template made, a VM cloned
// from it, its devices changed, its disk grown stopped and running, its addresses asked, snapshotted and deleted.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import type { GuestSpecInput } from '@hvc/hypervisor-connector';
import { buildIso9660Image } from '@hvc/hypervisor-connector-kit/cloud-init';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupPool } from '../../src/guests/storage-volumes.js';
import { uploadNewVolume } from '../../src/guests/volume-upload.js';
import { DomainEventHub } from '../../src/hosts/domain-event-hub.js';
import { LibvirtHost } from '../../src/hosts/libvirt-host.js';
import { injectLab } from '../lab/provided-lab.js';
import { cidataFiles } from '../lab/serial-log.js';
import { virsh } from '../lab/virsh.js';
import { tinyVmSpec } from './support/lab-target.js';
import { LiveGuests, uniqueName } from './support/live-guests.js';

const run = promisify(execFile);
const lab = injectLab();
const [one] = lab.hosts as [(typeof lab.hosts)[0]];
const live = new LiveGuests(lab);
const MIB = 1 / 1024;
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl deploy@lab';
/** An isolated Linux bridge (no address, no route, no firewall rule) the guests' NICs join. */
const bridge = `hvcbr${randomBytes(3).toString('hex')}`;
const image = `${uniqueName('image')}.qcow2`;
const imageId = `${lab.pool.name}:${image}`;

beforeAll(async () => {
  await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
  await virsh(one.unixUri, ['vol-create-as', lab.pool.name, image, '32M', '--format', 'qcow2']);
});

afterAll(async () => {
  await live.dispose();
  await virsh(one.unixUri, ['vol-delete', image, '--pool', lab.pool.name]).catch(() => undefined);
  await run('ip', ['link', 'del', bridge]).catch(() => undefined);
}, 120_000);

/** Reads `stream` until its text holds `marker`; resolves with everything read. */
function readUntil(stream: Duplex, marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${marker}" after ${timeoutMs} ms; read:\n${text.slice(-800)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8').replace(/\r/g, '');
      if (text.includes(marker)) {
        cleanup();
        resolve(text);
      }
    };
    const cleanup = () => {
      clearTimeout(timer);
      stream.off('data', onData);
    };
    stream.on('data', onData);
  });
}

/** The tiny guest from the lab's image volume, with a NIC on the test bridge, on host one. */
function imageVmSpec(name: string, extra: Partial<Extract<GuestSpecInput, { type: 'vm' }>> = {}) {
  return {
    ...tinyVmSpec(lab, name),
    node: one.name,
    disks: [],
    source: { kind: 'image', volumeId: imageId },
    nics: [{ network: bridge }],
    ...extra,
  } as GuestSpecInput;
}

describe('a VM from an image with cloud-init', () => {
  it('boots with its seed as a cidata CD-ROM, and the guest prints the seed’s files on its serial terminal', async () => {
    const connector = live.connect();
    const name = uniqueName('seeded');
    const created = await connector.createGuest(
      imageVmSpec(name, {
        bootDisk: { sizeGiB: 64 * MIB },
        guestAgent: true,
        cloudInit: {
          user: 'deploy',
          password: 'clear-text-never-sent',
          sshAuthorizedKeys: [SSH_KEY],
          hostname: 'tiny-seeded',
          interfaces: [{ ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }],
          dns: { nameservers: ['10.0.0.1'] },
        },
      }),
    );
    live.track(created.guestId!);
    await connector.waitForOperation(created.id, { timeoutMs: 30_000 });
    const id = created.guestId!;

    const config = await connector.getGuestConfig(id);
    expect(config.cloudInit).toEqual({
      user: 'deploy',
      hasPassword: true,
      sshAuthorizedKeys: [SSH_KEY],
      hostname: 'tiny-seeded',
      interfaces: [{ ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }],
      nameservers: ['10.0.0.1'],
      searchDomains: [],
    });
    expect(config.cdroms).toEqual([
      { slot: 'hdc', volumeId: expect.stringMatching(/-cidata\.iso$/), cloudInit: true },
    ]);
    expect(JSON.stringify(config)).not.toContain('clear-text-never-sent');
    const xml = await virsh(one.unixUri, ['dumpxml', '--inactive', name]);
    expect(xml).toContain("<channel type='unix'>");
    expect(xml).toContain("name='org.qemu.guest_agent.0'");
    const mac = /<mac address='([0-9a-f:]+)'\/>/.exec(xml)?.[1];
    expect(mac).toMatch(/^52:54:00:/);
    const bootDisk = /<source file='([^']+-vda\.qcow2)'/.exec(xml)?.[1];
    expect(await virsh(one.unixUri, ['vol-info', '--bytes', bootDisk!])).toMatch(
      /Capacity:\s+67108864 bytes/,
    );
    expect(await virsh(one.unixUri, ['vol-dumpxml', bootDisk!])).not.toContain('<backingStore>');

    await connector.waitForOperation((await connector.startGuest(id)).id, { timeoutMs: 30_000 });
    const ticket = await connector.openConsole(id, { protocol: 'terminal' });
    const terminal = await connector.attachTerminal(ticket.ticket);
    try {
      await readUntil(terminal, 'HVC-LAB ready', 60_000);
      // Run the guest's seed reader again on its shell: what it prints comes through the connector's stream.
      terminal.write('/etc/cidata\n');
      const printed = await readUntil(terminal, 'HVC-LAB cidata end user-data', 20_000);
      const files = cidataFiles(printed);
      expect([...files.keys()].sort()).toEqual(['meta-data', 'network-config', 'user-data']);
      const userData = files.get('user-data')!;
      expect(userData.startsWith('#cloud-config\n')).toBe(true);
      const config = JSON.parse(userData.slice('#cloud-config\n'.length));
      expect(config).toMatchObject({
        hostname: 'tiny-seeded',
        user: 'deploy',
        ssh_authorized_keys: [SSH_KEY],
        chpasswd: { expire: false },
      });
      expect(config.password).toMatch(/^\$6\$rounds=100000\$/);
      expect(printed).not.toContain('clear-text-never-sent');
      expect(JSON.parse(files.get('network-config')!)).toEqual({
        version: 2,
        ethernets: {
          nic0: {
            match: { macaddress: mac },
            'set-name': 'eth0',
            addresses: ['10.0.0.5/24'],
            routes: [{ to: '0.0.0.0/0', via: '10.0.0.1' }],
            nameservers: { addresses: ['10.0.0.1'] },
          },
        },
      });
      expect(JSON.parse(files.get('meta-data')!)).toMatchObject({ 'local-hostname': 'tiny-seeded' });
    } finally {
      terminal.destroy();
    }
    await connector.waitForOperation((await connector.stopGuest(id)).id, { timeoutMs: 30_000 });
    const seed = /<source pool='[^']+' volume='([^']+-cidata\.iso)'\/>/.exec(xml)?.[1];
    expect(seed).toBeDefined();
    await connector.waitForOperation((await connector.deleteGuest(id)).id, { timeoutMs: 30_000 });
    const left = await virsh(one.unixUri, ['vol-list', lab.pool.name]);
    expect(left).not.toContain(seed!);
    expect(left).not.toContain(bootDisk!);
    expect(left).toContain(image);
  });

  it('refuses a smaller boot disk, an unknown image and a non-template as a template, before anything is made', async () => {
    const connector = live.connect();
    await expect(
      connector.createGuest(imageVmSpec(uniqueName('small'), { bootDisk: { sizeGiB: 16 * MIB } })),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: {
        violations: [{ field: 'bootDisk.sizeGiB', message: 'disks only grow; the disk has 0.031 GiB' }],
      },
    });
    await expect(
      connector.createGuest(
        imageVmSpec(uniqueName('noimage'), {
          source: { kind: 'image', volumeId: `${lab.pool.name}:nope.qcow2` },
        }),
      ),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'image', field: 'source.volumeId', id: `${lab.pool.name}:nope.qcow2` },
    });
    const plain = await live.createTinyGuest(connector, { node: one.name });
    await expect(
      connector.createGuest(
        imageVmSpec(uniqueName('fromplain'), { source: { kind: 'template', guestId: plain.id } }),
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'not-a-template' } });
  });
});

describe('a VM from a template', () => {
  it('is configured, changed device by device, grown stopped and running, asked for addresses, snapshotted and deleted', async () => {
    const connector = live.connect();
    const wait = async (operation: Promise<{ id: string }>) =>
      connector.waitForOperation((await operation).id, { timeoutMs: 30_000 });
    const template = await live.createTinyGuest(connector, { node: one.name });
    expect((await wait(connector.convertToTemplate(template.id))).status).toBe('succeeded');
    expect((await wait(connector.convertToTemplate(template.id))).raw).toMatchObject({ changed: false });
    expect(await connector.getGuestConfig(template.id)).toMatchObject({ template: true });
    await expect(connector.startGuest(template.id)).rejects.toMatchObject({ code: 'CONFLICT' });

    const name = uniqueName('fromtemplate');
    const created = await connector.createGuest(
      imageVmSpec(name, {
        source: { kind: 'template', guestId: template.id },
        bootDisk: { sizeGiB: 96 * MIB },
        guestAgent: true,
      }),
    );
    live.track(created.guestId!);
    await connector.waitForOperation(created.id, { timeoutMs: 30_000 });
    const id = created.guestId!;
    const config = await connector.getGuestConfig(id);
    expect(config).toMatchObject({
      cpus: 1,
      memoryMiB: 128,
      template: false,
      guestAgent: true,
      disks: [{ slot: 'vda', sizeBytes: 96 * 1024 * 1024, boot: true, storage: lab.pool.name }],
      cdroms: [],
      nics: [{ slot: 'net0', network: bridge, model: 'virtio', firewall: false }],
    });
    expect(await connector.getGuestAddresses(id)).toEqual({
      guestId: id,
      interfaces: [],
      sources: {
        lease: { status: 'unavailable', message: 'the guest is shutoff' },
        agent: { status: 'unavailable', message: 'the guest is shutoff' },
        arp: { status: 'unavailable', message: 'the guest is shutoff' },
      },
    });

    // Devices of the stopped guest.
    const nic = await wait(connector.addNic(id, { network: bridge, model: 'e1000' }));
    expect(nic.resourceId).toBe('net1');
    expect((await connector.getGuestConfig(id)).nics.map((n) => [n.slot, n.model])).toEqual([
      ['net0', 'virtio'],
      ['net1', 'e1000'],
    ]);
    await wait(connector.removeNic(id, 'net1'));
    expect((await connector.getGuestConfig(id)).nics.map((n) => n.slot)).toEqual(['net0']);
    await expect(connector.removeNic(id, 'net7')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const disk = await wait(connector.addDisk(id, { sizeGiB: 16 * MIB }));
    expect(disk.resourceId).toBe('vdb');
    const added = (await connector.getGuestConfig(id)).disks.find((d) => d.slot === 'vdb')!;
    expect(added).toMatchObject({ sizeBytes: 16 * 1024 * 1024, boot: false });
    await wait(connector.removeDisk(id, 'vdb'));
    expect(await virsh(one.unixUri, ['vol-list', lab.pool.name])).not.toContain(
      added.volumeId!.split(':')[1],
    );
    await expect(connector.resizeDisk(id, 'vdz', { sizeGiB: 1 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(connector.resizeDisk(id, 'vda', { sizeGiB: 32 * MIB })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { violations: [{ field: 'sizeGiB', message: 'disks only grow; the disk has 0.094 GiB' }] },
    });
    await wait(connector.resizeDisk(id, 'vda', { sizeGiB: 128 * MIB }));
    expect((await connector.getGuestConfig(id)).disks[0]!.sizeBytes).toBe(128 * 1024 * 1024);

    // Running: grown through QEMU, a disk hot-added, addresses asked.
    await wait(connector.startGuest(id));
    await wait(connector.resizeDisk(id, 'vda', { sizeGiB: 160 * MIB }));
    expect(await virsh(one.unixUri, ['domblkinfo', name, 'vda'])).toMatch(/Capacity:\s+167772160/);
    expect((await wait(connector.addDisk(id, { sizeGiB: 8 * MIB }))).resourceId).toBe('vdb');
    expect(await virsh(one.unixUri, ['domblklist', name])).toMatch(/vdb\s+\S+-vdb\.qcow2/);
    await expect(connector.removeDisk(id, 'vdb')).rejects.toMatchObject({ code: 'CONFLICT' });
    const addresses = await connector.getGuestAddresses(id);
    // The NIC is on a plain bridge: no libvirt network leases it, and the guest runs no agent. ARP answers with
    // nothing, or (in this container: libvirt's netlink neighbour dump fails with "wrong nlmsg len") not at all.
    expect(addresses.sources).toMatchObject({ lease: { status: 'ok' }, agent: { status: 'unavailable' } });
    expect(['ok', 'unavailable']).toContain(addresses.sources.arp?.status);
    expect(addresses.interfaces).toEqual([]);

    await wait(connector.stopGuest(id));
    await wait(connector.createSnapshot(id, { name: 'provisioned' }));
    expect((await connector.listSnapshots(id)).map((snapshot) => snapshot.name)).toEqual(['provisioned']);
    const volumes = (await connector.getGuestConfig(id)).disks.map((d) => d.volumeId!.split(':')[1]!);
    expect(volumes).toHaveLength(2);
    await wait(connector.deleteGuest(id));
    const left = await virsh(one.unixUri, ['vol-list', lab.pool.name]);
    for (const volume of volumes) expect(left).not.toContain(volume);
  });
});

describe('a VM from an ISO, and a linked clone of a template', () => {
  it('boots the CD-ROM first by default or in the order asked, and overlays the template’s disk', async () => {
    const connector = live.connect();
    const host = new LibvirtHost(
      0,
      { uri: one.unixUri },
      { connectTimeoutMs: 10_000, keepalive: false, readOnly: false, events: new DomainEventHub() },
    );
    const isoName = `${uniqueName('installer')}.iso`;
    const iso = buildIso9660Image({
      volumeId: 'INSTALLER',
      files: [{ name: 'readme.txt', data: new TextEncoder().encode('an installer\n') }],
    });
    const volume = await uploadNewVolume(host, await lookupPool(host, lab.pool.name), isoName, iso);
    try {
      const make = async (extra: Partial<Extract<GuestSpecInput, { type: 'vm' }>>) => {
        const name = uniqueName('iso');
        // No kernel: the VM boots from what its boot order says, as a VM without the lab's kernel would.
        const operation = await connector.createGuest({
          type: 'vm',
          name,
          node: one.name,
          memoryMiB: 128,
          disks: [{ sizeGiB: 16 * MIB }],
          source: { kind: 'iso', volumeId: `${lab.pool.name}:${isoName}` },
          ...extra,
        });
        live.track(operation.guestId!);
        await connector.waitForOperation(operation.id, { timeoutMs: 30_000 });
        return connector.getGuestConfig(operation.guestId!);
      };
      const installer = await make({});
      expect(installer).toMatchObject({
        boot: ['cdrom', 'disk'],
        cdroms: [{ slot: 'hdc', volumeId: `${lab.pool.name}:${isoName}`, cloudInit: false }],
        disks: [{ slot: 'vda', boot: false }],
      });
      expect((await make({ boot: ['network', 'disk', 'cdrom'] })).boot).toEqual(['network', 'disk', 'cdrom']);
      await expect(
        make({ source: { kind: 'iso', volumeId: `${lab.pool.name}:missing.iso` } }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND', details: { field: 'source.volumeId' } });
    } finally {
      await virsh(one.unixUri, ['vol-delete', volume.path]).catch(() => undefined);
      await host.close();
    }

    const template = await live.createTinyGuest(connector, { node: one.name, template: true });
    const templateDisk = (await connector.getGuestConfig(template.id)).disks[0]!;
    const linked = await connector.createGuest(
      imageVmSpec(uniqueName('linked'), {
        nics: [],
        source: { kind: 'template', guestId: template.id, mode: 'linked' },
        bootDisk: { sizeGiB: 80 * MIB },
      }),
    );
    live.track(linked.guestId!);
    await connector.waitForOperation(linked.id, { timeoutMs: 30_000 });
    const [overlay] = (await connector.getGuestConfig(linked.guestId!)).disks;
    expect(overlay).toMatchObject({ slot: 'vda', sizeBytes: 80 * 1024 * 1024 });
    const overlayXml = await virsh(one.unixUri, [
      'vol-dumpxml',
      overlay!.volumeId!.split(':')[1]!,
      '--pool',
      lab.pool.name,
    ]);
    expect(overlayXml).toContain(`/${templateDisk.volumeId!.split(':')[1]}</path>`);
  });
});
