import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type CloudInitSpecInput, CloudInitSpecSchema } from '@hvc/hypervisor-connector';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildNoCloudSeedFiles,
  buildNoCloudSeedImage,
  type NoCloudSeedInput,
  toYamlJson,
} from '../src/cloud-init/index.js';
import {
  blkid,
  DEBIAN_PYTHON,
  extractWithXorriso,
  pyYamlLoad,
  scratchDirectory,
  tool,
  writeImage,
} from './support/iso-tools.js';
import { violatedFields } from './support/violated-fields.js';

const scratch = scratchDirectory();
afterAll(scratch.cleanup);

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl me@host';
const PASSWORD = 'correct horse battery staple';
const NICS = [
  { macAddress: '52:54:00:AB:CD:01' },
  { macAddress: '52:54:00:ab:cd:02' },
  { macAddress: '52:54:00:ab:cd:03' },
];

/** A seed input from a spec as a caller writes it, validated by the contract's schema first (as a connector does). */
function seedInput(spec: CloudInitSpecInput, extra: Partial<NoCloudSeedInput> = {}): NoCloudSeedInput {
  return {
    cloudInit: CloudInitSpecSchema.parse(spec),
    guestName: 'guest-1',
    nics: NICS,
    passwordRounds: 1000,
    ...extra,
  };
}

/** The user-data's `#cloud-config` parsed by PyYAML, after checking the header line. */
function cloudConfig(userData: string): Record<string, unknown> {
  expect(userData.startsWith('#cloud-config\n')).toBe(true);
  return pyYamlLoad(userData) as Record<string, unknown>;
}

/** The INVALID_ARGUMENT fields of a refused seed, checking that no secret shows in the error. */
function refusedFields(input: NoCloudSeedInput, secrets: readonly string[] = []): string[] {
  return violatedFields(() => buildNoCloudSeedFiles(input), secrets);
}

describe('buildNoCloudSeedImage', () => {
  const spec: CloudInitSpecInput = {
    user: 'deploy',
    password: PASSWORD,
    sshAuthorizedKeys: [KEY],
    hostname: 'web-1',
    interfaces: [
      {
        ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' },
        ipv6: { address: 'fd00::5/64', gateway: 'fd00::1' },
      },
      { ipv4: 'dhcp', ipv6: 'slaac' },
      { ipv6: 'dhcp' },
    ],
    dns: { nameservers: ['10.0.0.1', 'fd00::1'], searchDomains: ['example.org', 'lab.example.org'] },
  };

  it('is a cidata ISO whose files PyYAML reads back as what was asked', () => {
    const image = buildNoCloudSeedImage({
      ...seedInput(spec, { passwordSalt: 'fixedsalt' }),
      recordedAt: new Date(0),
    });
    const path = writeImage(scratch.dir, 'seed.iso', image);
    expect(blkid(path)).toMatchObject({ TYPE: 'iso9660', LABEL: 'cidata' });
    const files = extractWithXorriso(path, join(scratch.dir, 'seed-out'));
    expect([...files.keys()].sort()).toEqual(['meta-data', 'network-config', 'user-data']);

    const userData = files.get('user-data')?.toString('utf8') ?? '';
    expect(userData).not.toContain(PASSWORD);
    const config = cloudConfig(userData);
    expect(config).toEqual({
      hostname: 'web-1',
      fqdn: 'web-1.example.org',
      manage_etc_hosts: true,
      user: 'deploy',
      password: expect.stringMatching(/^\$6\$rounds=1000\$fixedsalt\$[./0-9A-Za-z]{86}$/),
      ssh_authorized_keys: [KEY],
      chpasswd: { expire: false },
      users: ['default'],
      package_upgrade: false,
    });
    // The hash is the password's: openssl computes the same from the clear text and the salt.
    const openssl = tool('openssl', [
      'passwd',
      '-6',
      '-salt',
      'rounds=1000$fixedsalt',
      PASSWORD,
    ]).stdout.trim();
    expect(config.password).toBe(openssl);

    expect(pyYamlLoad(files.get('network-config')?.toString('utf8') ?? '')).toEqual({
      version: 2,
      ethernets: {
        nic0: {
          match: { macaddress: '52:54:00:ab:cd:01' },
          'set-name': 'eth0',
          addresses: ['10.0.0.5/24', 'fd00::5/64'],
          routes: [
            { to: '0.0.0.0/0', via: '10.0.0.1' },
            { to: '::/0', via: 'fd00::1' },
          ],
          nameservers: { addresses: ['10.0.0.1', 'fd00::1'], search: ['example.org', 'lab.example.org'] },
        },
        nic1: {
          match: { macaddress: '52:54:00:ab:cd:02' },
          'set-name': 'eth1',
          dhcp4: true,
          'accept-ra': true,
          nameservers: { addresses: ['10.0.0.1', 'fd00::1'], search: ['example.org', 'lab.example.org'] },
        },
        nic2: {
          match: { macaddress: '52:54:00:ab:cd:03' },
          'set-name': 'eth2',
          dhcp4: true,
          dhcp6: true,
          nameservers: { addresses: ['10.0.0.1', 'fd00::1'], search: ['example.org', 'lab.example.org'] },
        },
      },
    });

    const metaData = pyYamlLoad(files.get('meta-data')?.toString('utf8') ?? '');
    expect(metaData).toEqual({
      'instance-id': expect.stringMatching(/^[0-9a-f]{40}$/),
      'local-hostname': 'web-1',
    });
  });

  it('leaves the network to the image without interfaces, and uses the guest name and the image user', () => {
    const files = buildNoCloudSeedFiles(
      seedInput({ passwordHash: `$6$abc$${'x'.repeat(86)}`, packageUpgrade: true }),
    );
    expect(files['network-config']).toBeUndefined();
    expect(cloudConfig(files['user-data'])).toEqual({
      hostname: 'guest-1',
      manage_etc_hosts: true,
      password: `$6$abc$${'x'.repeat(86)}`,
      chpasswd: { expire: false },
      users: ['default'],
      package_upgrade: true,
    });
    const dotted = buildNoCloudSeedFiles({ ...seedInput({}), guestName: 'db.internal.example' });
    expect(cloudConfig(dotted['user-data'])).toMatchObject({ hostname: 'db', fqdn: 'db.internal.example' });
    expect(pyYamlLoad(dotted['meta-data'])).toMatchObject({ 'local-hostname': 'db' });
  });

  it('keeps root enabled when the user is root, as Proxmox VE does', () => {
    const config = cloudConfig(buildNoCloudSeedFiles(seedInput({ user: 'root' }))['user-data']);
    expect(config).toMatchObject({ user: 'root', disable_root: false });
    expect(config.users).toBeUndefined();
  });

  it('changes the instance id with the configuration and keeps it for the same one and salt', () => {
    // meta-data is JSON by construction (PyYAML reading it is shown above).
    const id = (input: NoCloudSeedInput) =>
      (JSON.parse(buildNoCloudSeedFiles(input)['meta-data']) as Record<string, string>)['instance-id'];
    const same = { passwordSalt: 'salt1' };
    expect(id(seedInput(spec, same))).toBe(id(seedInput(spec, same)));
    expect(id(seedInput({ ...spec, hostname: 'web-2' }, same))).not.toBe(id(seedInput(spec, same)));
    expect(id(seedInput({ ...spec, interfaces: [{ ipv4: 'dhcp' }] }, same))).not.toBe(
      id(seedInput(spec, same)),
    );
  });

  it('puts a caller user-data part first and the generated cloud-config last in a MIME multipart', () => {
    for (const [snippet, type] of [
      ['#cloud-config\npackages: [htop]\nruncmd: ["echo --hvc-cloud-init-part"]\n', 'text/cloud-config'],
      ['#!/bin/sh\necho "héllo" > /root/hello\n', 'text/x-shellscript'],
      ['#cloud-boothook\n#!/bin/sh\necho boot\n', 'text/cloud-boothook'],
    ] as const) {
      const userData = buildNoCloudSeedFiles(seedInput({ ...spec, userData: snippet }))['user-data'];
      // Python's email package, which cloud-init's user-data processing is built on, splits the parts.
      const script = [
        'import sys, json, email',
        'm = email.message_from_string(sys.stdin.read())',
        'print(json.dumps([m.get_content_type()] + [[p.get_content_type(), p.get_payload(decode=True).decode()]',
        '  for p in m.walk() if not p.is_multipart()]))',
      ].join('\n');
      const [outer, first, second] = JSON.parse(
        execFileSync(DEBIAN_PYTHON, ['-c', script], { input: userData, encoding: 'utf8' }),
      ) as [string, [string, string], [string, string]];
      expect(outer).toBe('multipart/mixed');
      expect(first).toEqual([type, snippet]);
      expect(second[0]).toBe('text/cloud-config');
      expect(cloudConfig(second[1])).toMatchObject({
        hostname: 'web-1',
        user: 'deploy',
        ssh_authorized_keys: [KEY],
      });
    }
  });

  it('carries any Unicode text through PyYAML unchanged and writes ASCII only', () => {
    const comment = 'ünï 🔑 \u2028\ufeff\u00a0 "quoted" \\ # : - [x] {y}';
    const key = `${KEY.split(' ').slice(0, 2).join(' ')} ${comment}`;
    const userData = buildNoCloudSeedFiles(seedInput({ sshAuthorizedKeys: [key] }))['user-data'];
    expect([...userData].every((c) => c === '\n' || (c >= ' ' && c <= '~'))).toBe(true);
    expect(cloudConfig(userData).ssh_authorized_keys).toEqual([key]);
    expect(
      pyYamlLoad(toYamlJson({ 'k\u00e9y 🎉': ['\u0000\t\n\u007f\u0085\u009f', 1.5, null, true] }, 'x')),
    ).toEqual({
      'k\u00e9y 🎉': ['\u0000\t\n\u007f\u0085\u009f', 1.5, null, true],
    });
  });

  it('carries DNS settings without interfaces on every NIC, with its default DHCPv4, and on no NIC when there is none', () => {
    const dns = { nameservers: ['10.0.0.1'], searchDomains: ['example.org'] };
    const withNics = buildNoCloudSeedFiles(seedInput({ dns })) as unknown as Record<
      string,
      string | undefined
    >;
    const config = pyYamlLoad(withNics['network-config']!) as { ethernets: Record<string, unknown> };
    expect(Object.values(config.ethernets)).toEqual(
      NICS.map((nic, i) => ({
        match: { macaddress: nic.macAddress.toLowerCase() },
        'set-name': `eth${i}`,
        dhcp4: true,
        nameservers: { addresses: ['10.0.0.1'], search: ['example.org'] },
      })),
    );
    const without = buildNoCloudSeedFiles(seedInput({ dns }, { nics: [] })) as unknown as Record<
      string,
      string | undefined
    >;
    expect(without['network-config']).toBeUndefined();
  });

  it('refuses what a seed cannot hold, naming the field and echoing no secret', () => {
    expect(refusedFields(seedInput(spec, { nics: NICS.slice(0, 2) }), [PASSWORD])).toEqual(['interfaces.2']);
    expect(
      refusedFields(seedInput(spec, { nics: [{ macAddress: '52-54-00-ab-cd-01' }, ...NICS.slice(1)] })),
    ).toEqual(['nics.0.macAddress']);
    expect(refusedFields(seedInput({ userDataVolume: 'local:snippets/user.yaml' }))).toEqual([
      'userDataVolume',
    ]);
    expect(
      refusedFields(seedInput({ password: PASSWORD, userData: 'plain text secret-token' }), [
        PASSWORD,
        'secret-token',
      ]),
    ).toEqual(['userData']);
    const lone = `${KEY.split(' ').slice(0, 2).join(' ')} bad\ud800comment`;
    expect(refusedFields(seedInput({ password: PASSWORD, sshAuthorizedKeys: [lone] }), [PASSWORD])).toEqual([
      'cloudInit',
    ]);
    // More than 3 MiB gets past no schema, but the builder takes its input as typed, so it checks again.
    const huge: NoCloudSeedInput = {
      ...seedInput({}),
      cloudInit: { ...seedInput({}).cloudInit, userData: `#!/bin/sh\n${'#'.repeat(3 * 1024 * 1024)}` },
    };
    expect(refusedFields(huge)).toEqual(['cloudInit']);
  });
});
