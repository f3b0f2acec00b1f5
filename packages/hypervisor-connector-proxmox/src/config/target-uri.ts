import { InvalidArgumentError } from '@hvc/hypervisor-connector';
import type { ProxmoxConfigInput } from './config-schema.js';

/** What a target URI cannot carry. */
export interface ProxmoxTargetUriOptions {
  /**
   * The token secret (for `user@realm!token@host`) or the password (for `user@realm@host`). Without it, validating
   * the config fails naming `credentials.secret` or `credentials.password`.
   */
  readonly secret?: string;
  /** A TOTP code for password logins that need one. */
  readonly otp?: string;
  /** Trusted CA certificates (PEM). */
  readonly ca?: string | readonly string[];
}

const QUERY_KEYS = new Set(['fingerprint', 'insecure', 'pool', 'concurrency', 'endpoint', 'node']);

/**
 * Turns a target URI into a config input (validate it with `ProxmoxConfigSchema`):
 * `proxmox[+variant]://<user@realm!tokenid | user@realm>@<host>[:port][?fingerprint=..&insecure=1&pool=..&concurrency=..
 * &node=..&endpoint=https://other-node:8006]`. The secret never goes in the URI. Bad URIs are INVALID_ARGUMENT.
 */
export function parseProxmoxTargetUri(
  uri: string,
  options: ProxmoxTargetUriOptions = {},
): ProxmoxConfigInput {
  const invalid = (message: string) =>
    new InvalidArgumentError(`invalid proxmox target URI: ${message}`, {
      violations: [{ field: 'uri', message }],
    });
  const match = /^proxmox(?:\+[a-z]+)?:\/\/([^/?#]+)\/?(?:\?([^#]*))?$/i.exec(uri);
  if (!match) throw invalid('expected proxmox://user@realm[!token]@host[:port][?options]');
  const authority = match[1] as string;
  const at = authority.lastIndexOf('@');
  if (at <= 0) throw invalid('the user (user@realm or user@realm!token) is missing');
  const user = decodeURIComponent(authority.slice(0, at));
  const hostPort = authority.slice(at + 1);
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(hostPort)) throw invalid('not a host[:port]');
  if (user.includes(':')) throw invalid('never put a secret in the URI; pass it as `secret`');

  const query = new URLSearchParams(match[2] ?? '');
  for (const key of query.keys()) {
    if (!QUERY_KEYS.has(key)) throw invalid(`unknown option ${JSON.stringify(key.slice(0, 32))}`);
  }
  const node = query.get('node') ?? undefined;
  const first = `https://${hostPort.includes(':') && !hostPort.endsWith(']') ? hostPort : `${hostPort}:8006`}`;
  const fingerprints = query.getAll('fingerprint');
  const concurrency = query.get('concurrency');
  const insecure = query.get('insecure');
  return {
    endpoints: [node ? { url: first, node } : first, ...query.getAll('endpoint')],
    credentials: user.includes('!')
      ? { type: 'token', tokenId: user, secret: options.secret as string }
      : {
          type: 'password',
          username: user,
          password: options.secret as string,
          ...(options.otp === undefined ? {} : { otp: options.otp }),
        },
    tls: {
      ...(fingerprints.length === 1 ? { fingerprint: fingerprints[0] } : {}),
      ...(fingerprints.length > 1 ? { fingerprint: fingerprints } : {}),
      ...(insecure === null ? {} : { insecure: insecure === '1' || insecure === 'true' }),
      ...(options.ca === undefined
        ? {}
        : { ca: typeof options.ca === 'string' ? options.ca : [...options.ca] }),
    },
    ...(query.get('pool') ? { pool: query.get('pool') as string } : {}),
    ...(concurrency === null ? {} : { concurrency: Number(concurrency) }),
  };
}
