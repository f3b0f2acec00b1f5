import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkKnownHosts, sshFingerprint } from '../../src/transport/known-hosts.js';
import { shellQuote, sshProxyCommand } from '../../src/transport/ssh-command.js';

const keyA = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIFwIW4ks/j90i1C03ZUUXH+trOPKLNbqCfJlUvdoaGDn', 'base64');
const keyB = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBks/j90i1C03ZUUXH+trOPKLNbqCfJlUvdoaGDn', 'base64');
const line = (hosts: string, key: Buffer, marker = '') =>
  `${marker}${marker ? ' ' : ''}${hosts} ssh-ed25519 ${key.toString('base64')}`;

describe('known_hosts', () => {
  it('trusts a matching key, on port 22 by host and on other ports by [host]:port', () => {
    expect(checkKnownHosts(line('h1,h2', keyA), 'h2', 22, keyA)).toBe('trusted');
    expect(checkKnownHosts(line('[127.0.0.1]:2222', keyA), '127.0.0.1', 2222, keyA)).toBe('trusted');
    expect(checkKnownHosts(line('127.0.0.1', keyA), '127.0.0.1', 2222, keyA)).toBe('unknown');
  });

  it('reports a changed key as a mismatch and an absent host as unknown', () => {
    expect(checkKnownHosts(line('h1', keyA), 'h1', 22, keyB)).toBe('mismatch');
    expect(checkKnownHosts(`# comment\n\n${line('h1', keyA)}`, 'other', 22, keyA)).toBe('unknown');
  });

  it('understands hashed names, wildcards, negations and revocations', () => {
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('secret-host').digest('base64');
    expect(
      checkKnownHosts(line(`|1|${salt.toString('base64')}|${hash}`, keyA), 'secret-host', 22, keyA),
    ).toBe('trusted');
    expect(checkKnownHosts(line('*.lab,!bad.lab', keyA), 'a.lab', 22, keyA)).toBe('trusted');
    expect(checkKnownHosts(line('*.lab,!bad.lab', keyA), 'bad.lab', 22, keyA)).toBe('unknown');
    expect(checkKnownHosts(`${line('h1', keyA)}\n${line('*', keyA, '@revoked')}`, 'h1', 22, keyA)).toBe(
      'revoked',
    );
  });

  it('fingerprints keys as OpenSSH does', () => {
    expect(sshFingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('the SSH bridge command', () => {
  it('runs virt-ssh-helper natively, nc for netcat, and the helper with an nc fallback for auto', () => {
    expect(sshProxyCommand({ proxy: 'native', name: 'qemu:///system', readOnly: false })).toBe(
      `sh -c ${shellQuote("virt-ssh-helper 'qemu:///system'")}`,
    );
    const netcat = sshProxyCommand({
      proxy: 'netcat',
      name: 'qemu:///system',
      socket: '/s p',
      readOnly: false,
    });
    expect(netcat).toContain("-U '\\''/s p'\\''");
    const auto = sshProxyCommand({ proxy: 'auto', name: 'qemu:///system', readOnly: true });
    expect(auto).toContain('virt-ssh-helper -r');
    expect(auto).toContain('/run/libvirt/libvirt-sock');
  });

  it('quotes arguments so a shell runs them verbatim', () => {
    const tricky = `it's $(touch /tmp/pwned) "x"`;
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(tricky)}`]).toString()).toBe(tricky);
    const command = sshProxyCommand({ proxy: 'native', name: tricky, readOnly: false }).replace(
      'virt-ssh-helper',
      'printf %s',
    );
    expect(execFileSync('sh', ['-c', command]).toString()).toBe(tricky);
  });
});
