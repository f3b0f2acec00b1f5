import { z } from 'zod';
import { FingerprintSchema } from './fingerprint.js';

/** How a target's certificates are checked; the default (all absent) is the system's trusted CAs. */
export const TlsTrustSchema = z
  .strictObject({
    /** Trusted CA certificates (PEM). */
    ca: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** SHA-256 fingerprints of the leaf certificates to accept (any of them); the chain is then not checked. */
    fingerprint: z.union([FingerprintSchema, z.array(FingerprintSchema).min(1).max(64)]).optional(),
    /** Accept any certificate for this target only. Unsafe; prefer a fingerprint. */
    insecure: z.boolean().optional(),
  })
  .refine((tls) => !(tls.insecure && (tls.ca !== undefined || tls.fingerprint !== undefined)), {
    message: '`insecure` cannot be combined with `ca` or `fingerprint`',
    path: ['insecure'],
  });

/** A parsed {@link TlsTrustSchema}. */
export type TlsTrustConfig = z.output<typeof TlsTrustSchema>;

/** How one connection's peer is trusted, with fingerprints already gathered into a list. */
export interface TlsTrust {
  /** Trusted CAs (PEM); the system's when absent. */
  readonly ca?: string | readonly string[];
  /** Accepted SHA-256 fingerprints; when set, the chain is not checked and the leaf is pinned. */
  readonly fingerprints?: readonly string[];
  /** Accept any certificate. */
  readonly insecure?: boolean;
}

/** The pins of a trust, or `undefined` when it pins nothing. */
export function pinsOf(trust: TlsTrust): readonly string[] | undefined {
  return trust.fingerprints !== undefined && trust.fingerprints.length > 0 ? trust.fingerprints : undefined;
}

/** The TLS connect options a trust comes down to (`node:tls`, and undici's connector for `maxCachedSessions`). */
export interface TlsTrustOptions {
  readonly ca?: string | string[];
  readonly rejectUnauthorized: boolean;
  /** 0 turns session resumption off where the client would cache sessions (undici does). */
  readonly maxCachedSessions?: number;
}

/**
 * The TLS connect options that carry a trust. With pins the chain check is off (the leaf is compared after the
 * handshake with `checkPinnedFingerprint`) and sessions are not resumed, because a resumed session shows no peer
 * certificate.
 */
export function tlsTrustOptions(trust: TlsTrust): TlsTrustOptions {
  if (pinsOf(trust) !== undefined) return { rejectUnauthorized: false, maxCachedSessions: 0 };
  if (trust.insecure) return { rejectUnauthorized: false };
  return {
    rejectUnauthorized: true,
    ...(trust.ca === undefined ? {} : { ca: typeof trust.ca === 'string' ? trust.ca : [...trust.ca] }),
  };
}
