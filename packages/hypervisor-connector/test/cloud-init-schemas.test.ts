import { describe, expect, it } from 'vitest';
import {
  CloudInitSpecSchema,
  HostnameSchema,
  InvalidArgumentError,
  Ipv4CidrSchema,
  Ipv4Schema,
  Ipv6CidrSchema,
  Ipv6Schema,
  parseInput,
  SshPublicKeySchema,
} from '../src/index.js';

// Real keys made with `ssh-keygen -t <type> -N ''`.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0oJOOhSk75mO+9yNMZQ5I1B37753XF6mwgoW6d2Xtl me@host';
const ECDSA =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCH3gn6C/Kvpw3LDSc1/zvEWc/8rY/I5QE2tGEPk5LpZsFz7hxwc73UUbZ87aiepiFgnSnYJYum4hH6RHr/cL58=';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDEK2whXY5iIFZMvTFy7RgS9D93bqlQzBOLTYlNjH6Hjtwz1/OyJDC/GpnPcxYF/x+frEOpzdHORIuubY3Y/6rPzXRnosrjCwM18il7DOAH5HqteCW3nG0VBMd2dt1qmqcPweDswKAL10DQGQygP4wPvaGn4vbh67Cml8LlfWBKKw== root@vm';
const ED25519_BLOB = ED25519.split(' ')[1] ?? '';
/** A blob whose wire type is `ssh-dss`: a well-formed DSA key line, refused for its type. */
const DSS = `ssh-dss ${btoa(`\0\0\0\x07ssh-dss\0\0\0\x01\x01`)}`;
const HASH = '$6$rounds=100000$abcdefgh$' + 'A'.repeat(86);

/** Parses like a connector does and returns the INVALID_ARGUMENT error, or fails the test. */
function rejection(input: unknown): InvalidArgumentError {
  try {
    parseInput(CloudInitSpecSchema, input, 'cloud-init');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

/** The violated field paths, and a check that none of `secrets` shows in the error, its message or details. */
function fieldsOf(input: unknown, secrets: readonly string[] = []): string[] {
  const error = rejection(input);
  const text = `${error.message} ${JSON.stringify(error)} ${JSON.stringify(error.violations)}`;
  for (const secret of secrets) expect(text).not.toContain(secret);
  return error.violations.map((v) => v.field);
}

describe('CloudInitSpecSchema', () => {
  it('accepts a full spec and fills the default', () => {
    const spec = parseInput(CloudInitSpecSchema, {
      user: 'deploy',
      password: 'correct horse battery staple',
      sshAuthorizedKeys: [ED25519, ECDSA, RSA],
      hostname: 'web-1.example.org',
      interfaces: [
        {
          ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' },
          ipv6: { address: 'fd00::5/64', gateway: 'fd00::1' },
        },
        { ipv4: 'dhcp', ipv6: 'slaac' },
        {},
      ],
      dns: { nameservers: ['10.0.0.1', 'fd00::1'], searchDomains: ['example.org'] },
      userData: '#cloud-config\npackages: [htop]\n',
    });
    expect(spec.packageUpgrade).toBe(false);
    expect(spec.interfaces?.[0]?.ipv4).toEqual({ address: '10.0.0.5/24', gateway: '10.0.0.1' });
    expect(parseInput(CloudInitSpecSchema, { passwordHash: HASH }).passwordHash).toBe(HASH);
    expect(parseInput(CloudInitSpecSchema, {})).toEqual({ packageUpgrade: false });
  });

  it.each([
    ['Root', 'upper case'],
    ['1abc', 'leading digit'],
    ['a'.repeat(33), 'too long'],
    ['ad min', 'space'],
    ['dépl', 'non-ASCII'],
  ])('refuses the user name %j (%s)', (user) => {
    expect(fieldsOf({ user })).toEqual(['user']);
  });

  it('refuses bad passwords without echoing them', () => {
    expect(fieldsOf({ password: '' })).toEqual(['password']);
    const long = `s3cret-${'x'.repeat(300)}`;
    expect(fieldsOf({ password: long }, [long, 's3cret'])).toEqual(['password']);
    expect(fieldsOf({ password: 12345678 }, ['12345678'])).toEqual(['password']);
    expect(fieldsOf({ password: 'hunter2-secret', passwordHash: HASH }, ['hunter2-secret', HASH])).toEqual([
      'passwordHash',
    ]);
  });

  it.each([
    ['$y$j9T$abcdefgh$' + 'A'.repeat(43), 'yescrypt'],
    ['$1$abcdefgh$' + 'A'.repeat(22), 'MD5'],
    ['$6$abcdefgh$short', 'short digest'],
    ['$6$bad salt$' + 'A'.repeat(86), 'space in the salt'],
    ['plain-text-secret', 'no hash at all'],
  ])('refuses the password hash %#: %s, without echoing it', (passwordHash) => {
    expect(fieldsOf({ passwordHash }, [passwordHash])).toEqual(['passwordHash']);
  });

  it.each([
    [
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      'a private key',
    ],
    [DSS, 'a DSA key'],
    [`ssh-rsa ${ED25519_BLOB} mismatch`, 'an ed25519 blob named ssh-rsa'],
    [`command="/bin/sh" ${ED25519}`, 'authorized_keys options'],
    [`${ED25519}\nssh-ed25519 ${ED25519_BLOB}`, 'two lines'],
    [`${ED25519} a\u0000b`, 'a NUL in the comment'],
    [`${ED25519} bell\u0007`, 'a control character in the comment'],
    [`${ED25519} c1\u0085`, 'a C1 control in the comment'],
    [`ssh-ed25519 ${ED25519_BLOB.slice(0, -4)}!!!!`, 'not base64'],
    [`ssh-ed25519 ${btoa('\0\0\0\x0bssh-ed25519')}`, 'a type without key material'],
    [`ssh-ed25519 ${btoa('\xff\xff\xff\xffssh-ed25519xx')}`, 'a corrupt length'],
    ['ssh-ed25519 A', 'a truncated blob'],
    ['ssh-ed25519', 'no blob'],
    ['', 'empty'],
    [`${ED25519} ${'c'.repeat(16_400)}`, 'too long'],
  ])('refuses the SSH key %#: %s, naming its index and not echoing it', (key, _why) => {
    const error = rejection({ sshAuthorizedKeys: [ED25519, key] });
    expect(error.violations).toHaveLength(1);
    expect(error.violations[0]?.field).toBe('sshAuthorizedKeys.1');
    const blob = key.split(/\s/)[1];
    if (blob && blob.length > 8) expect(JSON.stringify(error) + error.message).not.toContain(blob);
  });

  it('refuses more than 64 keys', () => {
    expect(fieldsOf({ sshAuthorizedKeys: Array(65).fill(ED25519) })).toEqual(['sshAuthorizedKeys']);
  });

  it.each([
    ['-web', 'leading hyphen'],
    ['web-', 'trailing hyphen'],
    ['a..b', 'empty label'],
    ['web_1', 'underscore'],
    ['héllo', 'non-ASCII'],
    ['a'.repeat(64), 'label of 64'],
    [`${'a'.repeat(63)}.`.repeat(4) + 'ab', 'more than 253'],
    ['', 'empty'],
  ])('refuses the host name %j (%s)', (hostname) => {
    expect(fieldsOf({ hostname })).toEqual(['hostname']);
    expect(fieldsOf({ dns: { searchDomains: ['ok.example', hostname] } })).toEqual(['dns.searchDomains.1']);
  });

  it.each([
    [{ ipv4: { address: '10.0.0.5' } }, 'interfaces.0.ipv4.address'],
    [{ ipv4: { address: '10.0.0.5/33' } }, 'interfaces.0.ipv4.address'],
    [{ ipv4: { address: '300.0.0.1/24' } }, 'interfaces.0.ipv4.address'],
    [{ ipv4: { address: 'fd00::5/64' } }, 'interfaces.0.ipv4.address'],
    [{ ipv4: { address: '10.0.0.5/24', gateway: 'fd00::1' } }, 'interfaces.0.ipv4.gateway'],
    [{ ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1/24' } }, 'interfaces.0.ipv4.gateway'],
    [{ ipv4: { address: '10.0.0.5/24', mask: '255.0.0.0' } }, 'interfaces.0.ipv4.mask'],
    [{ ipv4: 'static' }, 'interfaces.0.ipv4'],
    [{ ipv4: { gateway: '10.0.0.1' } }, 'interfaces.0.ipv4'],
    [{ ipv6: { address: '10.0.0.5/24' } }, 'interfaces.0.ipv6.address'],
    [{ ipv6: { address: 'fd00::5/129' } }, 'interfaces.0.ipv6.address'],
    [{ ipv6: { address: 'fd00::5' } }, 'interfaces.0.ipv6.address'],
    [{ ipv6: { address: 'fd00::5/64', gateway: '10.0.0.1' } }, 'interfaces.0.ipv6.gateway'],
    [{ ipv6: 'auto' }, 'interfaces.0.ipv6'],
    [{ ipv4: 'dhcp', mtu: 9000 }, 'interfaces.0.mtu'],
  ])('refuses the NIC addressing %j at %s', (nic, field) => {
    expect(fieldsOf({ interfaces: [nic] })).toEqual([field]);
  });

  it('says what a NIC addressing may be', () => {
    expect(rejection({ interfaces: [{ ipv4: 'static' }, { ipv6: 'auto' }] }).violations).toEqual([
      { field: 'interfaces.0.ipv4', message: 'either "dhcp" or { address, gateway? }' },
      { field: 'interfaces.1.ipv6', message: 'either "dhcp", "slaac" or { address, gateway? }' },
    ]);
  });

  it('refuses more than 32 interfaces, bad name servers and too many of them', () => {
    expect(fieldsOf({ interfaces: Array(33).fill({ ipv4: 'dhcp' }) })).toEqual(['interfaces']);
    expect(fieldsOf({ dns: { nameservers: ['10.0.0.1', 'ns.example.org'] } })).toEqual(['dns.nameservers.1']);
    expect(fieldsOf({ dns: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '::1'] } })).toEqual([
      'dns.nameservers',
    ]);
    expect(fieldsOf({ dns: { servers: [] } })).toEqual(['dns.servers']);
  });

  it('refuses bad user-data and its exclusive pairing, without echoing it', () => {
    expect(fieldsOf({ userData: '' })).toEqual(['userData']);
    const big = `#cloud-config\n# secret-token ${'x'.repeat(65_536)}`;
    expect(fieldsOf({ userData: big }, ['secret-token'])).toEqual(['userData']);
    expect(
      fieldsOf({ userData: '#!/bin/sh\necho api-key-123', userDataVolume: 'local:snippets/u.yaml' }, [
        'api-key-123',
      ]),
    ).toEqual(['userDataVolume']);
    expect(fieldsOf({ userDataVolume: 'no-storage' })).toEqual(['userDataVolume']);
  });

  it('names unknown fields and wrong types', () => {
    expect(fieldsOf({ hostName: 'x' })).toEqual(['hostName']);
    expect(fieldsOf({ packageUpgrade: 'yes' })).toEqual(['packageUpgrade']);
    expect(fieldsOf('user: root')).toEqual(['']);
  });
});

describe('identifier schemas', () => {
  it('take addresses and CIDRs of their family only', () => {
    expect(Ipv4Schema.safeParse('192.168.1.254').success).toBe(true);
    expect(Ipv4Schema.safeParse('192.168.01.1').success).toBe(false);
    expect(Ipv4Schema.safeParse('::1').success).toBe(false);
    expect(Ipv6Schema.safeParse('fe80::1').success).toBe(true);
    expect(Ipv6Schema.safeParse('fe80::1::2').success).toBe(false);
    expect(Ipv4CidrSchema.safeParse('10.0.0.5/0').success).toBe(true);
    expect(Ipv4CidrSchema.safeParse('10.0.0.5/32').success).toBe(true);
    expect(Ipv6CidrSchema.safeParse('2001:db8::/128').success).toBe(true);
    expect(Ipv6CidrSchema.safeParse('2001:db8::/64/1').success).toBe(false);
  });

  it('takes RFC 1123 host names up to 253 characters', () => {
    expect(HostnameSchema.safeParse('1st-host').success).toBe(true);
    expect(HostnameSchema.safeParse(`${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(61)).success).toBe(true);
  });

  it('takes each supported key type and refuses a blob of another type', () => {
    for (const key of [
      ED25519,
      ECDSA,
      RSA,
      ED25519.split(' ').slice(0, 2).join(' '),
      `${ED25519} ünï 🔑 \u2028 x`,
    ]) {
      expect(SshPublicKeySchema.safeParse(key).success).toBe(true);
    }
    expect(SshPublicKeySchema.safeParse(`ecdsa-sha2-nistp384 ${ECDSA.split(' ')[1]}`).success).toBe(false);
  });
});
