import { InvalidArgumentError } from '@hvc/hypervisor-connector';

/** How the client reaches the daemon, as named by the URI's `+transport` (libvirt's remote driver). */
export type LibvirtTransportKind = 'unix' | 'tcp' | 'tls' | 'ssh';

/** How the SSH transport reaches the daemon's socket on the remote host (`?proxy=`). */
export type SshProxyMode = 'auto' | 'netcat' | 'native';

/** A parsed libvirt connection URI. */
export interface LibvirtUri {
  /** The hypervisor driver, e.g. `qemu`. */
  readonly driver: string;
  readonly transport: LibvirtTransportKind;
  /** The daemon's host (absent for unix). */
  readonly host?: string;
  /** The port, defaulted per transport: 16509 TCP, 16514 TLS, 22 SSH. */
  readonly port?: number;
  /** The SSH user (`user@host`). */
  readonly username?: string;
  /** The URI the daemon is asked to open (`CONNECT_OPEN`): transport, host, port and client parameters removed. */
  readonly name: string;
  /** `?socket=`: the daemon's unix socket (local, or on the SSH host). */
  readonly socket?: string;
  /** `?keyfile=`: the SSH private key file. */
  readonly keyfile?: string;
  /** `?known_hosts=`: the OpenSSH known_hosts file checked for the SSH host key. */
  readonly knownHosts?: string;
  /** `?pkipath=`: the directory with `cacert.pem`, `clientcert.pem` and `clientkey.pem`. */
  readonly pkipath?: string;
  /** `?no_verify=1`: do not verify the daemon's TLS certificate. */
  readonly noVerify: boolean;
  /** `?proxy=`: how the SSH transport reaches the socket (`auto` tries virt-ssh-helper, then nc). */
  readonly proxy: SshProxyMode;
  /** `?netcat=`: the netcat binary on the SSH host. */
  readonly netcat?: string;
  /** The URI as given, without a password (safe for logs and errors). */
  readonly display: string;
}

const DEFAULT_PORTS: Record<Exclude<LibvirtTransportKind, 'unix'>, number> = {
  tcp: 16509,
  tls: 16514,
  ssh: 22,
};

/** Drivers of libvirt 9.0 that a remote URI may name. */
const DRIVERS = new Set([
  'qemu',
  'lxc',
  'libxl',
  'xen',
  'test',
  'vbox',
  'bhyve',
  'ch',
  'vz',
  'openvz',
  'network',
  'nodedev',
  'storage',
  'secret',
  'nwfilter',
  'interface',
  'remote',
]);

const TRANSPORTS: Record<string, LibvirtTransportKind> = {
  unix: 'unix',
  tcp: 'tcp',
  tls: 'tls',
  ssh: 'ssh',
  libssh: 'ssh',
  libssh2: 'ssh',
};

/** Query parameters the client consumes (libvirt's `doRemoteOpen`); the others are passed on to the daemon. */
const CLIENT_PARAMS = new Set([
  'name',
  'command',
  'socket',
  'auth',
  'sshauth',
  'netcat',
  'keyfile',
  'pkipath',
  'known_hosts',
  'known_hosts_verify',
  'tls_priority',
  'mode',
  'proxy',
  'no_sanity',
  'no_verify',
  'no_tty',
  'authfile',
]);

/** The URI without its password, if it has one (libvirt ignores it, but users paste them). */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z0-9+.-]+:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

function invalid(display: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`${message} in libvirt URI ${display}`, {
    violations: [{ field: 'uri', message }],
  });
}

/**
 * Parses a libvirt URI as libvirt's remote driver does: `driver[+transport]://[user@][host][:port]/path?params`.
 * No transport means unix without a host and TLS with one. Unknown drivers and transports (including `ext`,
 * which runs an arbitrary command) are INVALID_ARGUMENT naming them.
 */
export function parseLibvirtUri(uri: string): LibvirtUri {
  const display = redactUri(uri);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(display, 'not a URI');
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const [driver = '', transportName, ...rest] = scheme.split('+');
  if (rest.length > 0 || !DRIVERS.has(driver)) throw invalid(display, `unknown driver or scheme '${scheme}'`);
  const host = url.hostname === '' ? undefined : url.hostname.replace(/^\[(.*)\]$/, '$1');
  let transport: LibvirtTransportKind;
  if (transportName === undefined) {
    transport = host === undefined ? 'unix' : 'tls';
  } else {
    const known = TRANSPORTS[transportName];
    if (known === undefined) throw invalid(display, `unsupported transport '${transportName}'`);
    transport = known;
  }
  if (transport === 'unix' && host !== undefined) throw invalid(display, 'the unix transport takes no host');

  const param = (key: string): string | undefined => url.searchParams.get(key) ?? undefined;
  const flag = (key: string): boolean => {
    const value = param(key);
    if (value === undefined) return false;
    if (!/^-?\d+$/.test(value)) throw invalid(display, `${key} must be an integer`);
    return Number(value) !== 0;
  };
  const proxy =
    param('proxy') ?? (param('socket') !== undefined || param('netcat') !== undefined ? 'netcat' : 'auto');
  if (proxy !== 'auto' && proxy !== 'netcat' && proxy !== 'native') {
    throw invalid(display, `unknown proxy '${proxy}' (auto, netcat or native)`);
  }
  let port: number | undefined;
  if (transport !== 'unix') port = url.port === '' ? DEFAULT_PORTS[transport] : Number(url.port);

  // What the daemon is asked to open: the driver's URI as the daemon sees it locally.
  const forwarded = new URLSearchParams();
  for (const [key, value] of url.searchParams)
    if (!CLIENT_PARAMS.has(key.toLowerCase())) forwarded.append(key, value);
  const query = forwarded.size > 0 ? `?${forwarded.toString()}` : '';
  const name = param('name') ?? (driver === 'remote' ? '' : `${driver}://${url.pathname}${query}${url.hash}`);

  const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
    (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    driver,
    transport,
    ...optional('host', host),
    ...optional('port', port),
    ...optional('username', url.username === '' ? undefined : decodeURIComponent(url.username)),
    name,
    ...optional('socket', param('socket')),
    ...optional('keyfile', param('keyfile')),
    ...optional('knownHosts', param('known_hosts')),
    ...optional('pkipath', param('pkipath')),
    noVerify: flag('no_verify'),
    proxy,
    ...optional('netcat', param('netcat')),
    display,
  };
}
