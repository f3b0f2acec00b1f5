import type { TLSSocket } from 'node:tls';
import { z } from 'zod';

/** A SHA-256 certificate fingerprint: 32 hex bytes, with or without `:`; normalised to `AB:CD:...` upper case. */
export const FingerprintSchema = z
  .string()
  .transform((value) => value.trim().replace(/:/g, '').toUpperCase())
  .refine((hex) => /^[0-9A-F]{64}$/.test(hex), 'not a SHA-256 fingerprint (32 hex bytes, e.g. AB:CD:...)')
  .transform((hex) => hex.match(/../g)!.join(':'));

/**
 * The error of a TLS handshake whose leaf certificate matches no pinned fingerprint. The socket is destroyed before
 * anything is written on it, so the server never sees a request byte or a credential.
 */
export class FingerprintMismatchError extends Error {
  readonly code = 'HVC_TLS_FINGERPRINT_MISMATCH';
  /** The fingerprint the server presented (public data). */
  readonly presented: string | undefined;

  constructor(presented: string | undefined) {
    super(`the server's certificate (SHA-256 ${presented ?? 'unknown'}) matches no pinned fingerprint`);
    this.name = 'FingerprintMismatchError';
    this.presented = presented;
  }
}

/** A fingerprint in the form certificates are compared in: hex, upper case, no separators. */
export function fingerprintKey(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toUpperCase();
}

/**
 * Checks a connected TLS socket's leaf certificate against `pins` (any form {@link FingerprintSchema} accepts).
 * On a mismatch the socket is destroyed and {@link FingerprintMismatchError} is returned; `undefined` means it
 * matched. Call it right after the handshake, before the socket is used.
 */
export function checkPinnedFingerprint(
  socket: TLSSocket,
  pins: readonly string[],
): FingerprintMismatchError | undefined {
  const presented = socket.getPeerX509Certificate?.()?.fingerprint256;
  if (presented !== undefined && pins.some((pin) => fingerprintKey(pin) === fingerprintKey(presented))) {
    return undefined;
  }
  socket.destroy();
  return new FingerprintMismatchError(presented);
}
