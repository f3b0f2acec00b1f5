import { isHypervisorError, parseInput } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { parseLibvirtConfig } from '../../src/config/libvirt-config.js';
import { parseLibvirtTargetUri } from '../../src/config/target-uri.js';
import { LIBVIRT_CAPABILITIES, targetCapabilities } from '../../src/connector/capabilities.js';
import { createLibvirtConnector } from '../../src/connector/libvirt-connector.js';
import { libvirtConnectorFactory } from '../../src/libvirt-connector-factory.js';

/** The violations of the INVALID_ARGUMENT `run` throws. */
function violations(run: () => unknown): { field: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (!isHypervisorError(error, 'INVALID_ARGUMENT')) throw error;
    return (error.details?.violations ?? []) as { field: string; message: string }[];
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('the libvirt target config', () => {
  it('takes hosts as URIs or objects and fills in the defaults', () => {
    const config = parseLibvirtConfig({
      hosts: ['qemu+tcp://10.0.0.5/system', { uri: 'qemu+ssh://root@kvm2/system', name: 'kvm2' }],
    });
    expect(config.hosts).toEqual([
      { uri: 'qemu+tcp://10.0.0.5/system' },
      { uri: 'qemu+ssh://root@kvm2/system', name: 'kvm2' },
    ]);
    expect(config).toMatchObject({
      pool: 'default',
      network: 'default',
      sharedPool: true,
      readOnly: false,
      connectTimeoutMs: 10_000,
      keepalive: { intervalMs: 5_000, count: 5 },
      shutdown: { timeoutMs: 120_000, repressMs: 3_000 },
      console: { ticketTtlMs: 60_000, vncWithoutPassword: 'refuse' },
    });
    expect(parseLibvirtConfig(config)).toEqual(config);
  });

  it('names an unknown scheme or transport, and the field it is in', () => {
    expect(violations(() => parseLibvirtConfig({ hosts: ['qemu+tcp://a/system', 'vmware://esx/'] }))).toEqual(
      [{ field: 'hosts.1.uri', message: expect.stringContaining("unknown driver or scheme 'vmware'") }],
    );
    expect(
      violations(() => parseLibvirtConfig({ hosts: [{ uri: 'qemu+ext:///system?command=/bin/sh' }] })),
    ).toEqual([{ field: 'hosts.0.uri', message: expect.stringContaining("unsupported transport 'ext'") }]);
  });

  it('refuses bad fields by path: names, TLS halves, SSH fingerprints, pools, unknown keys, no host', () => {
    const fields = violations(() =>
      parseLibvirtConfig({
        hosts: [
          { uri: 'qemu+tls://a/system', name: 'kvm', tls: { cert: 'PEM' } },
          { uri: 'qemu+ssh://b/system', name: 'kvm', ssh: { hostKeyFingerprints: ['MD5:00'] } },
        ],
        pool: 'no spaces',
        colour: 'red',
      } as never),
    ).map((v) => v.field);
    expect(fields.sort()).toEqual(
      ['colour', 'hosts.0.tls.key', 'hosts.1.name', 'hosts.1.ssh.hostKeyFingerprints.0', 'pool'].sort(),
    );
    expect(violations(() => parseLibvirtConfig({ hosts: [] })).map((v) => v.field)).toEqual(['hosts']);
  });

  it('takes secrets apart from the settings: credentials fill every host that lacks them, its own win', () => {
    const config = parseLibvirtConfig({
      hosts: [
        'qemu+ssh://root@a/system',
        { uri: 'qemu+ssh://root@b/system', ssh: { agent: false, privateKey: 'OWN' } },
        { uri: 'qemu+tls://c/system', tls: { cert: 'CERT-C' } },
        { uri: 'qemu+tcp://d/system', tls: {} },
      ],
      ssh: { agent: false },
      credentials: { ssh: { privateKey: 'SHARED', passphrase: 'P' }, tls: { key: 'KEY' } },
    });
    expect(config.ssh).toEqual({ agent: false, privateKey: 'SHARED', passphrase: 'P' });
    expect(config.hosts[1]?.ssh).toEqual({ agent: false, privateKey: 'OWN', passphrase: 'P' });
    expect(config.hosts[2]?.tls).toEqual({ cert: 'CERT-C', key: 'KEY' });
    // A key belongs to a certificate: settings without one are left alone.
    expect(config.hosts[3]?.tls).toEqual({});
    expect(
      violations(() =>
        parseLibvirtConfig({
          hosts: [{ uri: 'qemu+tls://c/system', tls: { cert: 'CERT' } }],
          credentials: {},
        }),
      ).map((v) => v.field),
    ).toEqual(['hosts.0.tls.key']);
    expect(
      violations(() =>
        parseLibvirtConfig({
          hosts: ['qemu+tcp://a/system'],
          credentials: { ssh: { passphrase: 'P' } } as never,
        }),
      ).map((v) => v.field),
    ).toEqual(['credentials.ssh.privateKey']);
  });

  it('creates a connector without touching the network, and refuses a bad config there too', async () => {
    const connector = createLibvirtConnector({ hosts: ['qemu+tcp://192.0.2.1/system'] });
    expect(connector.kind).toBe('libvirt');
    expect(connector.capabilities.guestTypes).toEqual(['vm']);
    await connector.close();
    expect(() => createLibvirtConnector({ hosts: ['nope'] })).toThrow(/hosts\.0\.uri/);
  });
});

describe('the factory', () => {
  it('is kind libvirt, spec v1, and validates with field paths', () => {
    expect(libvirtConnectorFactory).toMatchObject({ kind: 'libvirt', specificationVersion: 'v1' });
    const parsed = libvirtConnectorFactory.configSchema.safeParse({
      hosts: ['qemu+tcp://h/system'],
      readOnly: 'yes',
    });
    expect(parsed.success).toBe(false);
    expect(() =>
      parseInput(libvirtConnectorFactory.configSchema, { hosts: ['qemu+tcp://h/system'], readOnly: 'yes' }),
    ).toThrow(/readOnly/);
  });

  it('turns libvirt+ target URIs into configs, the target’s own parameters taken out', () => {
    expect(
      libvirtConnectorFactory.configFromUri(
        'libvirt+qemu+ssh://root@kvm1/system?keyfile=/k&pool=vms&network=lan&readonly=1&host=qemu%2Bssh%3A%2F%2Froot%40kvm2%2Fsystem%3Fkeyfile%3D%2Fk',
      ),
    ).toEqual({
      hosts: ['qemu+ssh://root@kvm1/system?keyfile=%2Fk', 'qemu+ssh://root@kvm2/system?keyfile=/k'],
      pool: 'vms',
      network: 'lan',
      readOnly: true,
    });
    expect(parseLibvirtTargetUri('libvirt+qemu:///system')).toEqual({ hosts: ['qemu:///system'] });
    for (const [uri, extras] of [
      ['qemu+tcp://h/system', {}],
      ['libvirt+qemu+tcp://h/system?readonly=maybe', {}],
      ['libvirt+qemu+tcp://h/system', { secret: 'hunter2' }],
    ] as const) {
      expect(() => parseLibvirtTargetUri(uri, extras)).toThrow(/invalid libvirt target URI/);
    }
  });
});

describe('the capabilities of a target', () => {
  it('are all of the connector’s for several hosts, no migration for one, only reads for a read-only one', () => {
    const two = ['qemu+tcp://a/system', 'qemu+tcp://b/system'];
    const { notes: _all, ...full } = targetCapabilities(parseLibvirtConfig({ hosts: two }));
    const { notes: _static, ...declared } = LIBVIRT_CAPABILITIES;
    expect(full).toEqual(declared);
    const single = targetCapabilities(parseLibvirtConfig({ hosts: [two[0]!] }));
    expect(single.migration).toEqual({ offline: false, live: false });
    expect(single.notes?.['migration.live']).toMatch(/one host/);
    const readOnly = targetCapabilities(parseLibvirtConfig({ hosts: two, readOnly: true }));
    expect(readOnly).toMatchObject({
      create: false,
      update: false,
      snapshots: false,
      console: [],
      consoleStream: [],
      metrics: true,
    });
    expect(readOnly.notes?.['console.terminal']).toMatch(/read-only/);
  });
});
