import { readFileSync } from 'node:fs';

/**
 * A real libvirtd the live tests talk to, with each transport it listens on. Until the lab
 * (`test/lab/`) exports its daemons, the description comes from the JSON file named by `HVC_LIBVIRT_LIVE`;
 * without it the live suites are skipped.
 */
export interface LiveDaemon {
  /** The daemon's pid (the keepalive test freezes it with SIGSTOP). */
  readonly pid: number;
  /** Its read-write unix socket. */
  readonly unixSocket: string;
  /** `listen_tcp` port on 127.0.0.1 (auth none). */
  readonly tcpPort: number;
  /** `listen_tls` port, and a pkipath directory with cacert.pem, clientcert.pem and clientkey.pem. */
  readonly tls?: { readonly port: number; readonly pkiDir: string };
  /** An sshd on loopback that reaches the daemon's socket. */
  readonly ssh?: {
    readonly port: number;
    readonly user: string;
    readonly keyFile: string;
    readonly knownHostsFile: string;
  };
  /** A directory the daemon may use for a scratch storage pool. */
  readonly scratchDir: string;
}

/** The live daemon described by `HVC_LIBVIRT_LIVE`, or `undefined` when none is configured. */
export function liveDaemon(): LiveDaemon | undefined {
  const file = process.env.HVC_LIBVIRT_LIVE;
  return file === undefined || file === ''
    ? undefined
    : (JSON.parse(readFileSync(file, 'utf8')) as LiveDaemon);
}
