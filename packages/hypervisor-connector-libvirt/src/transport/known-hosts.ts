import { createHash, createHmac } from 'node:crypto';

/** One host key line of an OpenSSH known_hosts file. */
interface KnownHostEntry {
  readonly marker: '' | '@revoked' | '@cert-authority';
  readonly hosts: string;
  readonly key: Buffer;
}

/** The name a host has in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint of a raw public key: `SHA256:` and unpadded base64. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function parse(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift()! : '';
    const [hosts, , keyBase64] = fields;
    if (hosts === undefined || keyBase64 === undefined) continue;
    if (marker !== '' && marker !== '@revoked' && marker !== '@cert-authority') continue;
    entries.push({ marker, hosts, key: Buffer.from(keyBase64, 'base64') });
  }
  return entries;
}

/** Whether one pattern list of a line (`a,b,!c`, `*`/`?` wildcards, or a `|1|salt|hash` entry) names `name`. */
function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    const regex = new RegExp(
      `^${body
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      'i',
    );
    if (regex.test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The verdict on a presented host key. */
export type HostKeyVerdict = 'trusted' | 'unknown' | 'mismatch' | 'revoked';

/**
 * Checks a host's raw public key against the text of an OpenSSH known_hosts file: `trusted` when a line for
 * the host carries this key, `revoked` when a `@revoked` line does, `mismatch` when lines for the host carry
 * only other keys (the host key changed — or someone is in the middle), `unknown` when no line names the host.
 * `@cert-authority` lines are not supported and count as no line.
 */
export function checkKnownHosts(knownHosts: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const entries = parse(knownHosts).filter(
    (entry) => entry.marker !== '@cert-authority' && hostsMatch(entry.hosts, name),
  );
  if (entries.some((entry) => entry.marker === '@revoked' && entry.key.equals(key))) return 'revoked';
  const named = entries.filter((entry) => entry.marker === '');
  if (named.some((entry) => entry.key.equals(key))) return 'trusted';
  return named.length > 0 ? 'mismatch' : 'unknown';
}
