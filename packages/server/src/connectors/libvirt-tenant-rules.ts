import type { FieldViolation } from '@hvc/hypervisor-connector';
import type { TenantRule } from './tenant-rule.js';

type Settings = Readonly<Record<string, unknown>>;

const asSettings = (value: unknown): Settings | undefined =>
  typeof value === 'object' && value !== null ? (value as Settings) : undefined;

/** The `tls` or `ssh` settings a host connects with (its own, else the target's: they replace, not merge), and where. */
function effective(config: Settings, host: Settings, index: number, key: 'tls' | 'ssh') {
  const own = asSettings(host[key]);
  if (own !== undefined) return { settings: own, field: `hosts.${index}.${key}` };
  return { settings: asSettings(config[key]) ?? {}, field: key };
}

/** The secrets of `tls` and `ssh` settings: they belong in the credentials, stored encrypted and never shown. */
const SECRET_FIELDS = { ssh: ['privateKey', 'passphrase'], tls: ['key', 'passphrase'] } as const;

/** Secrets written into the settings of the target or of a host, where every member can read them. */
function inlineSecrets(config: Settings): FieldViolation[] {
  const places: [Settings | undefined, string][] = [[config, '']];
  const hosts = Array.isArray(config.hosts) ? (config.hosts as unknown[]) : [];
  hosts.forEach((host, index) => {
    places.push([asSettings(host), `hosts.${index}.`]);
  });
  return places.flatMap(([place, prefix]) =>
    (['ssh', 'tls'] as const).flatMap((key) => {
      const settings = asSettings(place?.[key]);
      return SECRET_FIELDS[key]
        .filter((secret) => settings?.[secret] !== undefined)
        .map((secret) => ({
          field: `${prefix}${key}.${secret}`,
          message: `a secret in the config, which is stored in clear and shown to members: give it in \`credentials.${key}\``,
        }));
    }),
  );
}

/** What a `qemu+ssh` host would take from the server's account unless the config says otherwise. */
function sshViolations(ssh: Settings, field: string, credentials: Settings): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (typeof ssh.agent === 'string') {
    out.push({ field: `${field}.agent`, message: 'an ssh-agent socket on the server host' });
  } else if (ssh.agent !== false) {
    out.push({
      field: `${field}.agent`,
      message: 'the server’s own ssh-agent (SSH_AUTH_SOCK) would be offered; set `agent: false`',
    });
  }
  if (ssh.privateKey === undefined && asSettings(credentials.ssh)?.privateKey === undefined) {
    out.push({
      field: `${field}.privateKey`,
      message: 'the server’s own SSH keys would be used; give the key in `credentials.ssh`',
    });
  }
  if (ssh.knownHostsFile !== undefined) {
    out.push({ field: `${field}.knownHostsFile`, message: 'a file on the server host' });
  }
  if (ssh.hostKeyFingerprints === undefined) {
    out.push({
      field: `${field}.hostKeyFingerprints`,
      message: 'the server’s own known_hosts would decide; pin the host key fingerprints',
    });
  }
  return out;
}

/** What a `qemu+tls` host would take from the server's files unless the config says otherwise. */
function tlsViolations(tls: Settings, field: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  const trust = asSettings(tls.trust);
  if (trust === undefined) {
    out.push({
      field: `${field}.trust`,
      message: 'the server’s own CA files would be read; give a CA or fingerprints',
    });
  } else if (trust.insecure === true) {
    out.push({
      field: `${field}.trust.insecure`,
      message: 'accepts any certificate; pin a fingerprint instead',
    });
  }
  if (tls.cert === undefined) {
    out.push({
      field: `${field}.cert`,
      message:
        'the server’s own client certificate would be used; give `cert` here and its key in `credentials.tls`',
    });
  }
  return out;
}

/** The URI parameters that name files on the host running the connector (the server). */
const SERVER_FILE_PARAMS = [
  ['keyfile', 'keyfile'],
  ['pkipath', 'pkipath'],
  ['knownHosts', 'known_hosts'],
] as const;

/**
 * libvirt settings a tenant may not set: a host reached through the server's own libvirtd (`qemu:///system`,
 * `qemu+unix`), files on the server (`keyfile`, `pkipath`, `known_hosts`, `ssh.knownHostsFile`, an agent socket),
 * and every default that falls back to the server's account: its ssh-agent and SSH keys, its known_hosts, its
 * libvirt CA and client certificate. An SSH host therefore needs `agent: false`, a `privateKey` in the credentials
 * and pinned `hostKeyFingerprints`; a TLS host a `trust`, a `cert` and its `key` in the credentials. Secrets written
 * into the settings (stored in clear, shown to members), `no_verify=1` and an insecure trust are refused. Also `operations.keepEnded` above its default (kept in the server's memory).
 *
 * Paths a libvirt daemon resolves on its own host (`guestDefaults.emulator`, `createGuest`'s `kernel`, `initrd`,
 * `serialLog`, `emulator`) need no rule: with local transports refused, that host is the tenant's, never the
 * server.
 */
export const LIBVIRT_TENANT_RULES: readonly TenantRule[] = [
  async (config) => {
    const { parseLibvirtUri } = await import('@hvc/hypervisor-connector-libvirt');
    const hosts = Array.isArray(config.hosts) ? (config.hosts as unknown[]) : [];
    return hosts.flatMap((entry, index) => {
      const host: Settings = typeof entry === 'string' ? { uri: entry } : (asSettings(entry) ?? {});
      if (typeof host.uri !== 'string') return [];
      const field = typeof entry === 'string' ? `hosts.${index}` : `hosts.${index}.uri`;
      const uri = parseLibvirtUri(host.uri);
      if (uri.transport === 'unix') {
        return [{ field, message: 'a local transport: the server host’s own libvirtd' }];
      }
      const out: FieldViolation[] = SERVER_FILE_PARAMS.flatMap(([key, param]) =>
        uri[key] === undefined ? [] : [{ field, message: `\`${param}\` names a file on the server host` }],
      );
      if (uri.noVerify) out.push({ field, message: '`no_verify` accepts any certificate' });
      if (uri.transport === 'ssh') {
        const { settings, field: sshField } = effective(config, host, index, 'ssh');
        out.push(...sshViolations(settings, sshField, asSettings(config.credentials) ?? {}));
      }
      if (uri.transport === 'tls') {
        const { settings, field: tlsField } = effective(config, host, index, 'tls');
        out.push(...tlsViolations(settings, tlsField));
      }
      return out;
    });
  },
  inlineSecrets,
  (config) => {
    const keepEnded = asSettings(config.operations)?.keepEnded;
    return typeof keepEnded === 'number' && keepEnded > 1_000
      ? [{ field: 'operations.keepEnded', message: 'above the default 1000: kept in the server’s memory' }]
      : [];
  },
];
