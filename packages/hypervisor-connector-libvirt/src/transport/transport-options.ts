import type { TlsTrustSchema } from '@hvc/hypervisor-connector-kit';
import type { z } from 'zod';

/** TLS settings given in code (they win over the URI's `pkipath` and libvirt's default PKI files). */
export interface LibvirtTlsOptions {
  /** How the daemon's certificate is trusted: `ca`, pinned SHA-256 `fingerprint`s, or `insecure` (the kit's schema). */
  readonly trust?: z.input<typeof TlsTrustSchema>;
  /** The client certificate (PEM) libvirtd checks. */
  readonly cert?: string;
  /** Its private key (PEM). */
  readonly key?: string;
  /** The key's passphrase. */
  readonly passphrase?: string;
}

/** SSH settings given in code (they win over the URI's `keyfile` and `known_hosts`). */
export interface LibvirtSshOptions {
  /** The SSH user; else the URI's `user@`, else the local user. */
  readonly username?: string;
  /** A private key (PEM/OpenSSH). */
  readonly privateKey?: string | Buffer;
  /** Its passphrase. */
  readonly passphrase?: string;
  /** An ssh-agent socket; `false` not to use one. Default: `SSH_AUTH_SOCK`. */
  readonly agent?: string | false;
  /** Accepted host key fingerprints (`SHA256:<base64>`, as `ssh-keygen -lf` prints them). */
  readonly hostKeyFingerprints?: readonly string[];
  /** An OpenSSH known_hosts file; default `~/.ssh/known_hosts` (when it exists). */
  readonly knownHostsFile?: string;
}

/** How to reach the daemon, beyond what the URI says. */
export interface LibvirtTransportOptions {
  /** Deadline for connecting and the opening handshake (ms). Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Open read-only (`CONNECT_OPEN` flag 1, and the `-ro` unix socket by default). */
  readonly readOnly?: boolean;
  readonly tls?: LibvirtTlsOptions;
  readonly ssh?: LibvirtSshOptions;
}
