import type { z } from 'zod';
import type {
  LibvirtCredentialsSchema,
  LibvirtHostConfig,
  LibvirtSshConfigSchema,
  LibvirtTlsConfigSchema,
} from './host-config.js';

type Credentials = z.output<typeof LibvirtCredentialsSchema>;
type Ssh = z.output<typeof LibvirtSshConfigSchema>;
type Tls = z.output<typeof LibvirtTlsConfigSchema>;

/** The part of a parsed config the credentials fill. */
interface WithSecrets {
  readonly hosts: readonly LibvirtHostConfig[];
  readonly ssh?: Ssh | undefined;
  readonly tls?: Tls | undefined;
  readonly credentials?: Credentials | undefined;
}

/** `settings` with the secrets it does not give itself taken from `secrets`. */
function fill<T extends { privateKey?: string; key?: string; passphrase?: string }>(
  settings: T | undefined,
  secrets: Record<string, string | undefined> | undefined,
): T | undefined {
  if (secrets === undefined) return settings;
  const out: Record<string, unknown> = { ...settings };
  for (const [field, value] of Object.entries(secrets))
    if (out[field] === undefined && value !== undefined) out[field] = value;
  return out as T;
}

/**
 * The config with its `credentials` moved into the settings they belong to: the target's `ssh` and `tls` and every
 * host's own, where each lacks them. Secrets given in the settings themselves win.
 */
export function withCredentials<C extends WithSecrets>(config: C): C {
  const { credentials } = config;
  if (credentials === undefined) return config;
  const ssh = (value: Ssh | undefined) => fill(value, credentials.ssh);
  // A TLS key belongs to a client certificate: it fills only settings that give one.
  const tls = (value: Tls | undefined) => (value?.cert === undefined ? value : fill(value, credentials.tls));
  return {
    ...config,
    ...(credentials.ssh === undefined ? {} : { ssh: ssh(config.ssh) }),
    ...(config.tls === undefined || credentials.tls === undefined ? {} : { tls: tls(config.tls) }),
    hosts: config.hosts.map((host) => ({
      ...host,
      ...(host.ssh === undefined || credentials.ssh === undefined ? {} : { ssh: ssh(host.ssh) }),
      ...(host.tls === undefined || credentials.tls === undefined ? {} : { tls: tls(host.tls) }),
    })),
  };
}

/**
 * The fields of a config whose client certificate and key do not go together, counting a key in `credentials.tls`
 * as given to every settings object with a certificate.
 */
export function unpairedTlsKeys(config: WithSecrets): (string | number)[][] {
  const credentialKey = config.credentials?.tls?.key;
  return tlsSettings(config)
    .filter(
      ([, tls]) => (tls.cert === undefined) !== ((tls.key ?? (tls.cert && credentialKey)) === undefined),
    )
    .map(([path]) => [...path, 'key']);
}

/** Every `tls` settings object of a config, with its path: the target's, then each host's own. */
function tlsSettings(config: WithSecrets): [readonly (string | number)[], Tls][] {
  const out: [readonly (string | number)[], Tls][] = [];
  if (config.tls !== undefined) out.push([['tls'], config.tls]);
  config.hosts.forEach((host, index) => {
    if (host.tls !== undefined) out.push([['hosts', index, 'tls'], host.tls]);
  });
  return out;
}
