import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { checkPinnedFingerprint } from '../tls/fingerprint.js';
import { pinsOf, type TlsTrust, tlsTrustOptions } from '../tls/tls-trust.js';

/** Settings of {@link createTlsConnector} beyond the trust. */
export interface TlsConnectorOptions {
  /** Deadline of the TCP and TLS handshake. */
  readonly connectTimeoutMs: number;
}

/**
 * An undici connector (`Pool`/`Agent` `connect` option) that trusts the peer as `trust` says. With pinned
 * fingerprints the leaf certificate is compared right after the handshake, before the socket is handed to undici,
 * so a server that does not match never receives a request byte (nor a credential): the connect fails with
 * `FingerprintMismatchError`.
 */
export function createTlsConnector(trust: TlsTrust, options: TlsConnectorOptions): buildConnector.connector {
  const base = buildConnector({
    ...tlsTrustOptions(trust),
    timeout: options.connectTimeoutMs,
    keepAlive: true,
  });
  const pins = pinsOf(trust);
  if (pins === undefined) return base;
  return (connectOptions, callback) => {
    base(connectOptions, (error, socket) => {
      if (error !== null || socket === null) {
        callback(error ?? new Error('connect failed'), null);
        return;
      }
      const mismatch = checkPinnedFingerprint(socket as TLSSocket, pins);
      if (mismatch) callback(mismatch, null);
      else callback(null, socket);
    });
  };
}
