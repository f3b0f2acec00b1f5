import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from '@hvc/hypervisor-connector';
import { type TlsTrust, TlsTrustSchema } from '@hvc/hypervisor-connector-kit';
import type { ConnectContext } from './connect-attempt.js';
import type { LibvirtUri } from './libvirt-uri.js';
import { connectTcp, connectUnix, DEFAULT_UNIX_SOCKET } from './socket-transport.js';
import { sshProxyCommand } from './ssh-command.js';
import { connectSsh, type SshMaterial } from './ssh-transport.js';
import { connectTls, type TlsMaterial } from './tls-transport.js';
import type { LibvirtTransportOptions } from './transport-options.js';

/** Reads a configured file; a missing or unreadable one is INVALID_ARGUMENT naming the path (never the content). */
function readConfigured(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        violations: [{ field: what, message: `cannot read ${path}` }],
      },
    );
  }
}

/** Reads a file libvirt would look for by default, if it is there. */
function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/**
 * The certificates of a TLS connection: explicit options first, then the URI's `pkipath` directory, then
 * libvirt's default locations (`/etc/pki/CA/cacert.pem`, `/etc/pki/libvirt/clientcert.pem`,
 * `/etc/pki/libvirt/private/clientkey.pem` as root; `~/.pki/libvirt/` otherwise). `no_verify=1` in the URI
 * means insecure unless a trust is given.
 */
export function tlsMaterial(uri: LibvirtUri, options: LibvirtTransportOptions): TlsMaterial {
  const root = process.getuid?.() === 0;
  const dir = uri.pkipath;
  const caPath = dir
    ? join(dir, 'cacert.pem')
    : root
      ? '/etc/pki/CA/cacert.pem'
      : join(homedir(), '.pki/libvirt/cacert.pem');
  const certPath = dir
    ? join(dir, 'clientcert.pem')
    : root
      ? '/etc/pki/libvirt/clientcert.pem'
      : join(homedir(), '.pki/libvirt/clientcert.pem');
  const keyPath = dir
    ? join(dir, 'clientkey.pem')
    : root
      ? '/etc/pki/libvirt/private/clientkey.pem'
      : join(homedir(), '.pki/libvirt/clientkey.pem');
  const read = dir === undefined ? readIfPresent : (path: string) => readConfigured(path, 'pkipath file');
  const tls = options.tls ?? {};

  let trust: TlsTrust;
  if (tls.trust !== undefined) {
    const parsed = TlsTrustSchema.safeParse(tls.trust);
    if (!parsed.success) {
      throw new InvalidArgumentError(
        `invalid TLS trust for ${uri.display}: ${parsed.error.issues[0]?.message}`,
        {
          violations: parsed.error.issues.map((issue) => ({
            field: ['tls', 'trust', ...issue.path.map(String)].join('.'),
            message: issue.message,
          })),
        },
      );
    }
    const { ca, fingerprint, insecure } = parsed.data;
    trust = {
      ...(ca === undefined ? {} : { ca }),
      ...(fingerprint === undefined
        ? {}
        : { fingerprints: typeof fingerprint === 'string' ? [fingerprint] : fingerprint }),
      ...(insecure === undefined ? {} : { insecure }),
    };
  } else if (uri.noVerify) {
    trust = { insecure: true };
  } else {
    const ca = read(caPath);
    trust = ca === undefined ? {} : { ca };
  }
  const cert = tls.cert ?? (tls.key === undefined ? read(certPath) : undefined);
  const key = tls.key ?? (tls.cert === undefined ? read(keyPath) : undefined);
  return {
    trust,
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
  };
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** What an SSH connection needs: user, key or agent, host trust and the bridge command. */
export function sshMaterial(uri: LibvirtUri, options: LibvirtTransportOptions): SshMaterial {
  const ssh = options.ssh ?? {};
  const agent = ssh.agent === false ? undefined : (ssh.agent ?? process.env.SSH_AUTH_SOCK);
  let privateKey =
    ssh.privateKey ?? (uri.keyfile === undefined ? undefined : readConfigured(uri.keyfile, 'SSH key file'));
  if (privateKey === undefined && agent === undefined) {
    // Like the ssh binary libvirt runs: fall back to the user's default key.
    privateKey = DEFAULT_KEYS.map((name) => readIfPresent(join(homedir(), '.ssh', name))).find(
      (key) => key !== undefined,
    );
  }
  const knownHostsPath = ssh.knownHostsFile ?? uri.knownHosts;
  const knownHosts =
    knownHostsPath === undefined
      ? readIfPresent(join(homedir(), '.ssh/known_hosts'))
      : readConfigured(knownHostsPath, 'known_hosts file');
  return {
    username: ssh.username ?? uri.username ?? userInfo().username,
    ...(privateKey === undefined ? {} : { privateKey }),
    ...(ssh.passphrase === undefined ? {} : { passphrase: ssh.passphrase }),
    ...(agent === undefined ? {} : { agent }),
    hostTrust: {
      ...(ssh.hostKeyFingerprints === undefined ? {} : { fingerprints: ssh.hostKeyFingerprints }),
      ...(knownHosts === undefined ? {} : { knownHosts }),
    },
    command: sshProxyCommand({
      proxy: uri.proxy,
      name: uri.name,
      readOnly: options.readOnly ?? false,
      ...(uri.socket === undefined ? {} : { socket: uri.socket }),
      ...(uri.netcat === undefined ? {} : { netcat: uri.netcat }),
    }),
  };
}

/** Connects the transport the URI names and returns the byte stream the RPC protocol runs over. */
export function openTransport(
  uri: LibvirtUri,
  options: LibvirtTransportOptions,
  context: ConnectContext,
): Promise<Duplex> {
  switch (uri.transport) {
    case 'unix':
      return connectUnix(
        uri.socket ?? (options.readOnly ? `${DEFAULT_UNIX_SOCKET}-ro` : DEFAULT_UNIX_SOCKET),
        context,
      );
    case 'tcp':
      return connectTcp(uri.host ?? 'localhost', uri.port!, context);
    case 'tls':
      return connectTls(uri.host ?? 'localhost', uri.port!, tlsMaterial(uri, options), context);
    case 'ssh':
      return connectSsh(uri.host ?? 'localhost', uri.port!, sshMaterial(uri, options), context);
  }
}
