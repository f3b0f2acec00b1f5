// The lab is real before the connector relies on it: the real virsh against both lab hosts.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeCidataIso } from './cidata-iso.js';
import { waitForDomainState } from './domain-state.js';
import { startLab } from './lab.js';
import { daemonPid, restartLabHost } from './lab-daemon.js';
import { injectLab } from './provided-lab.js';
import { cidataFiles, waitForSerialMarker } from './serial-log.js';
import { defineTinyGuest, deleteTinyGuest } from './tiny-guests.js';
import { virsh } from './virsh.js';

const lab = injectLab();
const [one, two] = lab.hosts;
if (one === undefined || two === undefined) throw new Error('the lab has fewer than two hosts');
const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

describe('the libvirt lab', () => {
  test('each host answers with its own name and UUID over unix, TCP, TLS and SSH', async () => {
    const ssh = lab.ssh;
    if (ssh === undefined) throw new Error('the lab runs no sshd');
    for (const host of lab.hosts) {
      // virsh's qemu+ssh runs the ssh binary (~/.ssh/known_hosts); its libssh transport reads known_hosts=.
      const libssh = host.sshUri?.replace('qemu+ssh://', 'qemu+libssh://');
      for (const uri of [host.unixUri, host.tcpUri, host.tlsUri, libssh ?? '']) {
        expect((await virsh(uri, ['hostname'])).trim(), uri).toBe(host.name);
      }
      expect(await virsh(host.tcpUri, ['capabilities'])).toContain(`<uuid>${host.hostUuid}</uuid>`);
      expect(host.domainTypes).toEqual(['qemu']);
      expect(await virsh(host.unixUri, ['pool-dumpxml', lab.pool.name])).toContain(
        `<path>${lab.pool.path}</path>`,
      );
      const pool = await virsh(host.unixUri, ['pool-info', lab.pool.name]);
      expect(pool).toMatch(/^State:\s+running$/m);
      expect(pool).toMatch(/^Autostart:\s+yes$/m);
    }
    expect(one.tlsFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(one.tlsFingerprint).not.toBe(two.tlsFingerprint);
    expect(ssh.hostKeyFingerprint).toMatch(/^SHA256:/);
  });

  test.concurrent('a guest boots, prints its cidata CD-ROM, migrates live to the other host and powers off by ACPI there', async () => {
    const name = uniqueName('smoke-cidata');
    const iso = join(lab.dir, `${name}.iso`);
    const seed = { 'meta-data': `instance-id: ${name}\n`, 'user-data': '#cloud-config\nhostname: tiny\n' };
    await makeCidataIso(iso, seed);
    const guest = await defineTinyGuest(lab, one, name, { cdromPath: iso });
    let at = one;
    try {
      await virsh(one.unixUri, ['start', name]);
      const log = await waitForSerialMarker(guest.serialLogPath, 'HVC-LAB ready', 45_000);
      expect(Object.fromEntries(cidataFiles(log))).toEqual(seed);

      await virsh(one.unixUri, [
        'migrate',
        '--live',
        '--p2p',
        '--persistent',
        '--undefinesource',
        '--unsafe',
        name,
        two.peerUri,
      ]);
      at = two;
      expect(await virsh(two.unixUri, ['domuuid', name])).toContain(guest.uuid);
      expect((await virsh(two.unixUri, ['domstate', name])).trim()).toBe('running');
      expect(await virsh(one.unixUri, ['list', '--all', '--name'])).not.toContain(name);

      // The guest runs on: the destination's QEMU logs its answer to the power button.
      await virsh(two.unixUri, ['shutdown', name]);
      await waitForDomainState(two.unixUri, name, 'shut off (shutdown)', 20_000);
      await waitForSerialMarker(guest.serialLogPath, 'HVC-LAB poweroff', 1_000);
    } finally {
      await deleteTinyGuest(lab, at, name);
    }
  }, 120_000);

  test.concurrent('a guest without a cidata device says so, and an ACPI shutdown reaches shut off', async () => {
    const name = uniqueName('smoke-plain');
    const guest = await defineTinyGuest(lab, two, name);
    try {
      await virsh(two.unixUri, ['start', name]);
      const log = await waitForSerialMarker(guest.serialLogPath, 'HVC-LAB ready', 45_000);
      expect(log).toContain('HVC-LAB boot');
      expect(cidataFiles(log).size).toBe(0);
      await virsh(two.unixUri, ['shutdown', name]);
      await waitForDomainState(two.unixUri, name, 'shut off (shutdown)', 20_000);
      expect(await waitForSerialMarker(guest.serialLogPath, 'HVC-LAB poweroff', 1_000)).toContain(
        'HVC-LAB poweroff',
      );
    } finally {
      await deleteTinyGuest(lab, two, name);
    }
  }, 120_000);
});

describe("a lab of a test file's own (for tests that disrupt daemons)", () => {
  test('starts beside the shared one, and its restarted daemon finds its running guest', async () => {
    const own = await startLab({ hosts: 1, ssh: false });
    try {
      const host = own.facts.hosts[0]!;
      expect(own.facts.dir).not.toBe(lab.dir);
      expect(host.tcpPort).not.toBe(one.tcpPort);
      const name = uniqueName('smoke-restart');
      const guest = await defineTinyGuest(own.facts, host, name);
      await virsh(host.unixUri, ['start', name]);
      await waitForSerialMarker(guest.serialLogPath, 'HVC-LAB ready', 45_000);

      const before = daemonPid(host);
      const after = await restartLabHost(own.facts, host);
      expect(after).not.toBe(before);
      expect(daemonPid(host)).toBe(after);
      expect((await virsh(host.unixUri, ['domstate', name])).trim()).toBe('running');
      await virsh(host.unixUri, ['shutdown', name]);
      await waitForDomainState(host.unixUri, name, 'shut off (shutdown)', 20_000);
    } finally {
      await own.stop();
    }
  }, 120_000);
});
