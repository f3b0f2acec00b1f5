import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';

/** How one endpoint's certificate is checked. */
export interface EndpointTls {
  /** Trusted CAs (PEM); the system's when absent. */
  readonly ca?: string | readonly string[];
  /** Accepted SHA-256 fingerprints (`AB:CD:...`); when set, the chain is not checked, the leaf is pinned. */
  readonly fingerprints?: readonly string[];
  /** Accept any certificate. */
  readonly insecure?: boolean;
  readonly connectTimeoutMs: number;
}

/** The error of a TLS handshake whose certificate matches no pinned fingerprint. Nothing was sent on the socket. */
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

const normalise = (fingerprint: string) => fingerprint.replace(/:/g, '').toUpperCase();

/**
 * An undici connector for one endpoint. With fingerprints, the chain check is skipped and the leaf certificate's
 * SHA-256 is compared right after the handshake, before the socket is handed to undici — so a mismatching server
 * never receives a request byte (nor a credential).
 */
export function createTlsConnector(tls: EndpointTls): buildConnector.connector {
  const pins = tls.fingerprints?.map(normalise);
  const pinned = pins !== undefined && pins.length > 0;
  const base = buildConnector({
    timeout: tls.connectTimeoutMs,
    keepAlive: true,
    // A resumed TLS session shows no peer certificate, so pinned connections always do a full handshake.
    ...(pinned ? { maxCachedSessions: 0 } : {}),
    ...(pinned || tls.insecure ? { rejectUnauthorized: false } : { rejectUnauthorized: true }),
    ...(tls.ca !== undefined && !pinned ? { ca: typeof tls.ca === 'string' ? tls.ca : [...tls.ca] } : {}),
  });
  if (!pinned) return base;
  return (options, callback) => {
    base(options, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('connect failed'), null);
        return;
      }
      const presented = (socket as TLSSocket).getPeerX509Certificate?.()?.fingerprint256;
      if (presented === undefined || !pins.includes(normalise(presented))) {
        socket.destroy();
        callback(new FingerprintMismatchError(presented), null);
        return;
      }
      callback(null, socket);
    });
  };
}
