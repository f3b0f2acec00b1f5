import { isIP } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { UnauthenticatedError, UnavailableError } from '@hvc/hypervisor-connector';
import {
  checkPinnedFingerprint,
  pinsOf,
  type TlsTrust,
  tlsTrustOptions,
} from '@hvc/hypervisor-connector-kit';
import type { ConnectContext } from './connect-attempt.js';
import { awaitConnect } from './socket-transport.js';

/** The certificates of one TLS connection, already loaded. */
export interface TlsMaterial {
  /** How the daemon's certificate is checked (CA, pinned fingerprints or insecure). */
  readonly trust: TlsTrust;
  /** The client certificate (PEM) the daemon checks. */
  readonly cert?: string;
  /** Its private key (PEM). Never logged. */
  readonly key?: string;
  /** The key's passphrase. Never logged. */
  readonly passphrase?: string;
}

/**
 * Connects with TLS (libvirtd `listen_tls`, port 16514): the daemon's certificate is checked against the
 * trust (or its pinned SHA-256 fingerprint, compared before anything is sent), then — as libvirt's client
 * does — one byte is awaited: 0x01 when the daemon accepted our certificate and address, anything else (or the
 * connection closing) means it refused us.
 */
export async function connectTls(
  host: string,
  port: number,
  material: TlsMaterial,
  context: ConnectContext,
): Promise<TLSSocket> {
  const socket = tlsConnect({
    host,
    port,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(material.cert === undefined ? {} : { cert: material.cert }),
    ...(material.key === undefined ? {} : { key: material.key }),
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
    ...tlsTrustOptions(material.trust),
  });
  await awaitConnect(socket, context, 'secureConnect');
  const pins = pinsOf(material.trust);
  if (pins !== undefined) {
    const mismatch = checkPinnedFingerprint(socket, pins);
    if (mismatch !== undefined) {
      throw new UnavailableError(`${context.target}: ${mismatch.message}`, {
        cause: mismatch,
        retryable: false,
        details: { reason: 'tls-fingerprint-mismatch', connect: true, presented: mismatch.presented },
      });
    }
  }
  await awaitConfirmation(socket, context);
  socket.setNoDelay(true);
  return socket;
}

/** Reads libvirt's one-byte verdict on our certificate, leaving anything after it for the RPC layer. */
function awaitConfirmation(socket: TLSSocket, context: ConnectContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (): UnauthenticatedError =>
      new UnauthenticatedError(
        `${context.target}: the libvirt daemon refused this client after the TLS handshake (its check of our ` +
          'certificate or address failed: see its tls_allowed_dn_list and CA)',
        { details: { reason: 'tls-client-refused' } },
      );
    const done = (): void => {
      socket.removeListener('readable', onReadable);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onError);
      context.signal.removeEventListener('abort', onAbort);
    };
    const onReadable = (): void => {
      const byte: Buffer | null = socket.read(1);
      if (byte === null) return;
      done();
      if (byte[0] === 1) {
        resolve();
      } else {
        socket.destroy();
        reject(refused());
      }
    };
    const onEnd = (): void => {
      done();
      socket.destroy();
      reject(refused());
    };
    const onError = (error: Error): void => {
      done();
      reject(
        new UnavailableError(`${context.target}: TLS connection failed: ${error.message}`, {
          cause: error,
          retryable: false,
          details: { reason: 'tls', connect: true },
        }),
      );
    };
    const onAbort = (): void => {
      done();
      socket.destroy();
    };
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    context.signal.addEventListener('abort', onAbort, { once: true });
  });
}
