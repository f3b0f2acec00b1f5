import { describe, expect, it } from 'vitest';
import { parseLibvirtUri, redactUri } from '../../src/transport/libvirt-uri.js';

describe('libvirt URIs', () => {
  it('name the unix transport, with the default or given socket', () => {
    expect(parseLibvirtUri('qemu:///system')).toMatchObject({
      driver: 'qemu',
      transport: 'unix',
      name: 'qemu:///system',
    });
    expect(parseLibvirtUri('qemu+unix:///system?socket=/tmp/s')).toMatchObject({
      transport: 'unix',
      socket: '/tmp/s',
      name: 'qemu:///system',
    });
  });

  it('default the ports of TCP, TLS and SSH and strip transport, host and client parameters from the name', () => {
    expect(parseLibvirtUri('qemu+tcp://h/system')).toMatchObject({
      transport: 'tcp',
      host: 'h',
      port: 16509,
    });
    expect(parseLibvirtUri('qemu+tls://[::1]:1234/system?pkipath=/p&no_verify=1&extra=x')).toMatchObject({
      transport: 'tls',
      host: '::1',
      port: 1234,
      pkipath: '/p',
      noVerify: true,
      name: 'qemu:///system?extra=x',
    });
    expect(parseLibvirtUri('qemu+ssh://bob@h/system?keyfile=/k&socket=/s&proxy=netcat')).toMatchObject({
      transport: 'ssh',
      port: 22,
      username: 'bob',
      keyfile: '/k',
      socket: '/s',
      proxy: 'netcat',
      name: 'qemu:///system',
    });
  });

  it('use TLS for a host without a transport, as libvirt does', () => {
    expect(parseLibvirtUri('qemu://h/system')).toMatchObject({ transport: 'tls', port: 16514 });
  });

  it('choose netcat when a socket is named and virt-ssh-helper otherwise', () => {
    expect(parseLibvirtUri('qemu+ssh://h/system').proxy).toBe('auto');
    expect(parseLibvirtUri('qemu+ssh://h/system?socket=/s').proxy).toBe('netcat');
  });

  it.each([
    ['foo:///system', "unknown driver or scheme 'foo'"],
    ['qemu+ext:///system?command=/bin/evil', "unsupported transport 'ext'"],
    ['qemu+carrier-pigeon://h/system', "unsupported transport 'carrier-pigeon'"],
    ['qemu+unix://h/system', 'the unix transport takes no host'],
    ['qemu+ssh://h/system?proxy=teleport', "unknown proxy 'teleport'"],
    ['qemu+tls://h/system?no_verify=yes', 'no_verify must be an integer'],
    ['not a uri', 'not a URI'],
  ])('%s is INVALID_ARGUMENT naming the problem', (uri, message) => {
    expect(() => parseLibvirtUri(uri)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) }),
    );
  });

  it('never echo a password', () => {
    expect(redactUri('qemu+ssh://bob:hunter2@h/system')).toBe('qemu+ssh://bob:***@h/system');
    expect(() => parseLibvirtUri('qemu+nope://bob:hunter2@h/')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
    expect(parseLibvirtUri('qemu+ssh://bob:hunter2@h/system').display).not.toContain('hunter2');
  });
});
