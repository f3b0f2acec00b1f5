// The XML mapping, unit by unit, on XML captured from the lab's libvirt 9.0.0 (fixtures/): domains as libvirt
// writes them (running and inactive), new domains as the connector builds them, clones, hvc's metadata, snapshots
// and host capabilities.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDomainXml, type NewDomain } from '../../src/domains/domain-builder.js';
import { cloneDomainXml } from '../../src/domains/domain-clone-xml.js';
import { isOwnDisk, parseDomainXml } from '../../src/domains/domain-definition.js';
import { HVC_METADATA_URI, hvcMetadataXml, parseHvcMetadataElement } from '../../src/domains/hvc-metadata.js';
import { child, parseXml } from '../../src/domains/xml-codec.js';
import { guestPlatform, parseHostCapabilities } from '../../src/hosts/host-capabilities.js';
import { orderSnapshots, parseSnapshotXml } from '../../src/snapshots/guest-snapshots.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const running = fixture('domain-running.xml');
const inactive = fixture('domain-inactive.xml');

const newDomain: NewDomain = {
  uuid: '0f5b8f8e-3c1a-4a53-9c51-1f6ad2a8c0de',
  name: 'web-1.example',
  description: `quotes ' " and <tags> & ampersands`,
  cpus: 2,
  memoryMiB: 512,
  platform: { arch: 'x86_64', domainType: 'qemu', emulator: '/usr/bin/qemu-system-x86_64' },
  firmware: 'bios',
  osType: 'linux',
  disks: [
    { path: '/pool/web-1-vda.qcow2', format: 'qcow2', target: 'vda' },
    { path: '/pool/web-1-vdb.qcow2', format: 'qcow2', target: 'vdb' },
  ],
  cdroms: [{ pool: 'isos', volume: 'debian.iso' }],
  nics: [
    { kind: 'network', source: 'default', model: 'virtio', firewall: true },
    { kind: 'bridge', source: 'br0', model: 'e1000', mac: '52:54:00:12:34:56', firewall: false },
  ],
  vncPassword: 'Pa$$<&>',
  metadata: { template: false, tags: ['web', 'prod'], pool: 'team-a' },
};

describe('domain XML as libvirt writes it', () => {
  it('reads identity, resources, devices and hvc metadata from a running domain', () => {
    const domain = parseDomainXml(running);
    expect(domain).toMatchObject({
      uuid: '92b52bd0-7cb7-4904-b103-6e102b8c1ee8',
      name: 'capture-web-1',
      domainType: 'qemu',
      description: 'a <captured> & "quoted" guest',
      vcpus: 2,
      maxVcpus: 2,
      memoryBytes: 256 * 1024 * 1024,
      currentMemoryBytes: 256 * 1024 * 1024,
      arch: 'x86_64',
      machine: 'pc-i440fx-7.2',
      hasConsole: true,
      metadata: { template: false, tags: ['web', 'prod'] },
    });
    expect(domain.disks).toEqual([
      {
        device: 'disk',
        type: 'file',
        format: 'qcow2',
        path: '/tmp/hvc-libvirt-lab-TAal1u/pool/capture-web-1-92b52bd0-vda.qcow2',
        target: 'vda',
        bus: 'virtio',
        readonly: false,
      },
    ]);
    expect(domain.graphics).toEqual([
      { type: 'vnc', port: 31118, websocket: 20967, listen: '127.0.0.1', autoport: true },
    ]);
  });

  it('gives running and inactive XML of one configuration the same digest, another configuration another', () => {
    const live = parseDomainXml(running);
    const persistent = parseDomainXml(inactive);
    expect(persistent.graphics[0]?.port).toBeUndefined();
    expect(live.digest).toBe(persistent.digest);
    expect(
      parseDomainXml(inactive.replace("placement='static'>2<", "placement='static'>3<")).digest,
    ).not.toBe(live.digest);
  });

  it('reads an identical text once: the same frozen definition comes back', () => {
    const first = parseDomainXml(running);
    expect(parseDomainXml(`${running}`)).toBe(first);
    expect(Object.isFrozen(first.disks[0])).toBe(true);
    expect(parseDomainXml(running.replace('capture-web-1<', 'capture-web-9<'))).not.toBe(first);
  });

  it('refuses text that is no domain', () => {
    expect(() => parseDomainXml('<network><name>default</name></network>')).toThrow(/not a libvirt domain/);
  });
});

describe('a new domain as the connector builds it', () => {
  const xml = buildDomainXml(newDomain);
  const read = parseDomainXml(xml);
  const domain = child(parseXml(xml), 'domain');

  it('reads back as what it was built from, every value escaped', () => {
    expect(read).toMatchObject({
      uuid: newDomain.uuid,
      name: 'web-1.example',
      domainType: 'qemu',
      description: newDomain.description,
      vcpus: 2,
      memoryBytes: 512 * 1024 * 1024,
      metadata: { template: false, tags: ['web', 'prod'], pool: 'team-a' },
    });
    expect(
      read.disks.map((d) => [d.device, d.type, d.path ?? `${d.pool}/${d.volume}`, d.target, d.bus]),
    ).toEqual([
      ['disk', 'file', '/pool/web-1-vda.qcow2', 'vda', 'virtio'],
      ['disk', 'file', '/pool/web-1-vdb.qcow2', 'vdb', 'virtio'],
      ['cdrom', 'volume', 'isos/debian.iso', 'hdc', 'ide'],
    ]);
    expect(read.nics).toEqual([
      { type: 'network', source: 'default', model: 'virtio', filtered: true },
      { type: 'bridge', source: 'br0', model: 'e1000', mac: '52:54:00:12:34:56' },
    ]);
    expect(xml).not.toContain('<tags>');
    expect(xml).toContain('passwd="Pa$$&lt;&amp;&gt;"');
  });

  it('has ACPI, a serial console, VNC with a password and a websocket, and boots the CD-ROM first', () => {
    expect(child(domain, 'features')).toEqual({ acpi: '', apic: '' });
    expect(child(child(domain, 'devices'), 'graphics')).toMatchObject({
      '@_type': 'vnc',
      '@_autoport': 'yes',
      '@_websocket': '-1',
      '@_passwd': 'Pa$$<&>',
    });
    expect(child(domain, 'os')?.boot).toEqual([{ '@_dev': 'cdrom' }, { '@_dev': 'hd' }]);
    expect(read.hasConsole).toBe(true);
  });

  it('boots a kernel directly when given one, and puts a CD-ROM on SATA where the machine has no IDE', () => {
    const direct = parseXml(
      buildDomainXml({
        ...newDomain,
        kernel: '/boot/vmlinuz',
        initrd: '/boot/initrd',
        cmdline: 'console=ttyS0',
        machine: 'q35',
      }),
    );
    const os = child(child(direct, 'domain'), 'os');
    expect(os).toMatchObject({ kernel: '/boot/vmlinuz', initrd: '/boot/initrd', cmdline: 'console=ttyS0' });
    expect(os?.boot).toBeUndefined();
    expect(JSON.stringify(direct)).toContain('"@_bus":"sata"');
  });

  it('takes a boot order, a guest agent channel, aliased NICs and a second CD-ROM (the seed) on the next drive', () => {
    const built = parseDomainXml(
      buildDomainXml({
        ...newDomain,
        cdroms: [
          { pool: 'isos', volume: 'debian.iso' },
          { pool: 'default', volume: 'web-1-cidata.iso', alias: 'ua-hvc-cidata' },
        ],
        nics: [{ kind: 'network', source: 'default', model: 'virtio', firewall: false, alias: 'ua-net0' }],
        boot: ['network', 'disk', 'cdrom'],
        guestAgent: true,
      }),
    );
    expect(built.bootDevices).toEqual(['network', 'hd', 'cdrom']);
    expect(built.guestAgent).toBe(true);
    expect(read.guestAgent).toBe(false);
    expect(built.disks.filter((d) => d.device === 'cdrom').map((d) => [d.target, d.alias])).toEqual([
      ['hdc', undefined],
      ['hdd', 'ua-hvc-cidata'],
    ]);
    expect(built.nics[0]).toMatchObject({ alias: 'ua-net0' });
    expect(parseDomainXml(running).disks[0]?.alias).toBeUndefined();
  });
});

describe('a clone’s XML', () => {
  const sourceXml = inactive.replace('<hvc:tags>', '<hvc:template/><hvc:tags>');
  const source = parseDomainXml(sourceXml);
  const xml = cloneDomainXml(sourceXml, source, {
    uuid: '11111111-2222-4333-8444-555555555555',
    name: 'capture-web-2',
    diskPaths: ['/pool/capture-web-2-vda.qcow2'],
    vncPassword: 'NewPass1',
    metadata: { template: false, tags: ['web', 'prod'] },
  });
  const clone = parseDomainXml(xml);

  it('has a new name, UUID, disk, serial log and VNC password, and no template mark', () => {
    expect(source.metadata.template).toBe(true);
    expect(clone).toMatchObject({
      uuid: '11111111-2222-4333-8444-555555555555',
      name: 'capture-web-2',
      metadata: { template: false, tags: ['web', 'prod'] },
      vcpus: source.vcpus,
      memoryBytes: source.memoryBytes,
    });
    expect(clone.disks.filter(isOwnDisk).map((d) => d.path)).toEqual(['/pool/capture-web-2-vda.qcow2']);
    expect(xml).toContain('capture-web-2.log');
    expect(xml).not.toContain('capture-web-1.log');
    expect(xml).toContain('passwd="NewPass1"');
    expect(xml.match(/xmlns:hvc=/g)).toHaveLength(1);
  });

  it('no longer marks the source’s cloud-init seed as its own', () => {
    const seeded = sourceXml.replace(
      '</devices>',
      "<disk type='volume' device='cdrom'><source pool='default' volume='s-cidata.iso'/><target dev='hdd' bus='ide'/>" +
        "<readonly/><alias name='ua-hvc-cidata'/></disk></devices>",
    );
    const seededSource = parseDomainXml(seeded);
    expect(seededSource.disks.at(-1)?.alias).toBe('ua-hvc-cidata');
    const cloned = parseDomainXml(
      cloneDomainXml(seeded, seededSource, {
        uuid: '11111111-2222-4333-8444-555555555556',
        name: 'capture-web-3',
        diskPaths: ['/pool/capture-web-3-vda.qcow2'],
        vncPassword: 'NewPass2',
        metadata: { template: false, tags: [] },
      }),
    );
    expect(cloned.disks.at(-1)).toMatchObject({ device: 'cdrom', volume: 's-cidata.iso' });
    expect(cloned.disks.at(-1)?.alias).toBeUndefined();
  });

  it('keeps what it does not change: devices, features, the CPU model', () => {
    for (const kept of [
      "<model fallback='forbid'>qemu64</model>",
      '<acpi/>',
      "<memballoon model='virtio'>",
    ]) {
      expect(sourceXml).toContain(kept);
    }
    expect(xml).toContain('<model fallback="forbid">qemu64</model>');
    expect(xml).toContain('<acpi/>');
    expect(xml).toContain('<memballoon model="virtio">');
  });
});

describe('hvc metadata', () => {
  it('is found by its namespace whatever the prefix, and absent means an ordinary guest', () => {
    const domain = (metadata: string) =>
      `<domain type='qemu'><name>a</name><uuid>0f5b8f8e-3c1a-4a53-9c51-1f6ad2a8c0de</uuid><metadata>${metadata}</metadata></domain>`;
    const foreign = '<other:guest xmlns:other="urn:other"><other:template/></other:guest>';
    const ours = `<x:guest xmlns:x="${HVC_METADATA_URI}"><x:template/><x:pool>p1</x:pool><x:tags><x:tag>t</x:tag></x:tags></x:guest>`;
    expect(parseDomainXml(domain(foreign + ours)).metadata).toEqual({
      template: true,
      tags: ['t'],
      pool: 'p1',
    });
    expect(parseDomainXml(domain(foreign)).metadata).toEqual({ template: false, tags: [] });
  });

  it('goes to DOMAIN_SET_METADATA unprefixed and comes back from DOMAIN_GET_METADATA the same', () => {
    const metadata = { template: true, tags: ['a', 'b.c'], pool: 'team' };
    expect(hvcMetadataXml(metadata)).toBe(
      '<guest><template/><pool>team</pool><tags><tag>a</tag><tag>b.c</tag></tags></guest>',
    );
    expect(parseHvcMetadataElement(hvcMetadataXml(metadata))).toEqual(metadata);
    expect(parseHvcMetadataElement(hvcMetadataXml({ template: false, tags: [] }))).toEqual({
      template: false,
      tags: [],
    });
  });
});

describe('snapshot XML', () => {
  it('reads name, parent, time and whether memory is in it, and orders parents first within a second', () => {
    const second = parseSnapshotXml(fixture('snapshot-shutoff.xml'));
    expect(second.snapshot).toMatchObject({ name: 'second', parent: 'first', includesMemory: false });
    expect(second.snapshot.createdAt).toBe(new Date(1796391809 * 1000).toISOString());
    const first = parseSnapshotXml(
      '<domainsnapshot><name>first</name><description>kit &lt;first&gt;</description><state>running</state>' +
        "<creationTime>1796391809</creationTime><memory snapshot='internal'/></domainsnapshot>",
    );
    expect(first.snapshot).toMatchObject({ name: 'first', description: 'kit <first>', includesMemory: true });
    expect(orderSnapshots([second, first]).map((s) => s.name)).toEqual(['first', 'second']);
  });
});

describe('host capabilities', () => {
  const capabilities = parseHostCapabilities(fixture('capabilities-tcg.xml'));

  it('read the host architecture and the domain types each guest architecture offers', () => {
    expect(capabilities.arch).toBe('x86_64');
    const x86 = capabilities.guests.find((g) => g.arch === 'x86_64');
    expect(x86?.domainTypes.map((d) => d.type)).toEqual(['qemu']);
  });

  it('give a new guest the domain type offered — never an assumed kvm', () => {
    expect(guestPlatform(capabilities, {})).toEqual({
      arch: 'x86_64',
      domainType: 'qemu',
      emulator: '/usr/bin/qemu-system-x86_64',
    });
    expect(guestPlatform(capabilities, { domainType: 'kvm' })).toBeUndefined();
    expect(guestPlatform(capabilities, { arch: 'riscv64' })).toBeUndefined();
    const withKvm = parseHostCapabilities(
      fixture('capabilities-tcg.xml').replaceAll(
        "<domain type='qemu'/>",
        "<domain type='qemu'/><domain type='kvm'/>",
      ),
    );
    expect(guestPlatform(withKvm, {})?.domainType).toBe('kvm');
  });
});
