import { isHypervisorError, NodeNameSchema } from '@hvc/hypervisor-connector';
import { TlsTrustSchema } from '@hvc/hypervisor-connector-kit';
import { z } from 'zod';
import { parseLibvirtUri } from '../transport/libvirt-uri.js';

/**
 * A libvirt connection URI (`qemu+tcp://host/system`, `qemu+tls://…`, `qemu+ssh://…`, `qemu:///system`), checked as
 * the protocol layer parses it: an unknown scheme, driver or transport is refused naming it.
 */
export const LibvirtUriSchema = z
  .string()
  .min(1)
  .max(2048)
  .superRefine((uri, ctx) => {
    try {
      parseLibvirtUri(uri);
    } catch (error) {
      if (!isHypervisorError(error, 'INVALID_ARGUMENT')) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

/** TLS settings for `qemu+tls` hosts: how the daemon's certificate is trusted, and the client certificate. */
export const LibvirtTlsConfigSchema = z.strictObject({
  /** A CA, pinned SHA-256 fingerprints, or `insecure` (the kit's schema); the URI's `pkipath` otherwise. */
  trust: TlsTrustSchema.optional(),
  /** The client certificate libvirtd checks (PEM). */
  cert: z.string().min(1).optional(),
  /** Its private key (PEM; secret). */
  key: z.string().min(1).optional(),
  /** The key's passphrase (secret). */
  passphrase: z.string().min(1).optional(),
});

/**
 * The secrets of a target, apart from its settings: an application (hvc-server, for one) stores them encrypted and
 * never shows them, while the rest of the config may be read. Each fills the same field of every host's `ssh` or
 * `tls` settings that does not give its own.
 */
export const LibvirtCredentialsSchema = z.strictObject({
  ssh: z
    .strictObject({
      /** A private key, PEM or OpenSSH. */
      privateKey: z.string().min(1),
      /** Its passphrase. */
      passphrase: z.string().min(1).optional(),
    })
    .optional(),
  tls: z
    .strictObject({
      /** The private key of the client certificate (PEM); the certificate itself goes in `tls.cert`. */
      key: z.string().min(1),
      /** Its passphrase. */
      passphrase: z.string().min(1).optional(),
    })
    .optional(),
});

/** SSH settings for `qemu+ssh` hosts: key or agent authentication and how the host key is checked. */
export const LibvirtSshConfigSchema = z.strictObject({
  /** The SSH user; the URI's `user@` otherwise. */
  username: z.string().min(1).max(256).optional(),
  /** A private key, PEM or OpenSSH (secret). */
  privateKey: z.string().min(1).optional(),
  /** Its passphrase (secret). */
  passphrase: z.string().min(1).optional(),
  /** An ssh-agent socket, or `false` to use none; `SSH_AUTH_SOCK` by default. */
  agent: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Accepted host key fingerprints as `ssh-keygen -lf` prints them (`SHA256:<base64>`). */
  hostKeyFingerprints: z
    .array(z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'not an SSH fingerprint (SHA256:<base64>)'))
    .min(1)
    .max(64)
    .optional(),
  /** An OpenSSH known_hosts file; `~/.ssh/known_hosts` by default (or the URI's `known_hosts`). */
  knownHostsFile: z.string().min(1).optional(),
});

/** One host of a target, as an object. */
export const LibvirtHostObjectSchema = z.strictObject({
  /** How this process reaches the host's daemon. */
  uri: LibvirtUriSchema,
  /**
   * The node name of the host. Default: the host name libvirt reports (its first label); give one to keep node
   * names stable while a host cannot be reached, or when two hosts report the same name.
   */
  name: NodeNameSchema.optional(),
  /** TLS settings for this host (over the target's `tls`). */
  tls: LibvirtTlsConfigSchema.optional(),
  /** SSH settings for this host (over the target's `ssh`). */
  ssh: LibvirtSshConfigSchema.optional(),
  /**
   * How the *other hosts' daemons* reach this one as a migration destination (peer to peer): `dconnuri` of the
   * migration. Default: `uri`, which must then be a network URI they can use too.
   */
  migrationUri: LibvirtUriSchema.optional(),
});

/** One host: a libvirt URI, or an object with the URI and per-host settings. */
export const LibvirtHostSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { uri: value } : value),
  LibvirtHostObjectSchema,
);

/** A host as the config holds it once parsed. */
export type LibvirtHostConfig = z.output<typeof LibvirtHostObjectSchema>;
