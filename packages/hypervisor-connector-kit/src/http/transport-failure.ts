import { FingerprintMismatchError } from '../tls/fingerprint.js';
import { ResponseTooLargeError } from './response-too-large.js';

/**
 * Why an HTTP request got no answer, as the socket tells it:
 * - `connect`: refused, unreachable, unresolved or timed out while connecting;
 * - `fingerprint`: the server's certificate matched no pinned fingerprint;
 * - `tls`: the TLS handshake failed (an untrusted chain, a wrong host name, ...);
 * - `deadline`: the answer's headers did not come, or its body stalled, within the request's deadline;
 * - `too-large`: the answer's body passed the transport's limit, and the connection was dropped;
 * - `connection`: the connection broke once the request may have been written (a reset, a close).
 */
export type TransportFailureKind =
  | 'connect'
  | 'fingerprint'
  | 'tls'
  | 'deadline'
  | 'too-large'
  | 'connection';

/** A classified transport error. */
export interface TransportFailure {
  readonly kind: TransportFailureKind;
  /** The error code found on the error or its causes (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...). */
  readonly code: string | undefined;
  /**
   * Whether the request cannot have reached the server (`connect`, `fingerprint`, `tls`): it may be sent to another
   * endpoint, even a write.
   */
  readonly nothingSent: boolean;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;
/** Errors of a request that outlived its deadline (no answer, or a body that stalled): undici's, the fetch transport's. */
const DEADLINE_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'HVC_HTTP_DEADLINE']);
/** Errors of a body over its limit: the transports', and undici's own `maxResponseSize`. */
const TOO_LARGE_CODES = new Set(['HVC_RESPONSE_TOO_LARGE', 'UND_ERR_RES_EXCEEDED_MAX_SIZE']);

/**
 * Classifies an error that undici, a transport (`createUndiciTransport`, `createFetchTransport`) or the connector
 * of `createTlsConnector` threw for a request.
 */
export function transportFailure(error: unknown): TransportFailure {
  const code = errorCode(error);
  if (code !== undefined && DEADLINE_CODES.has(code)) return { kind: 'deadline', code, nothingSent: false };
  if (error instanceof ResponseTooLargeError || (code !== undefined && TOO_LARGE_CODES.has(code))) {
    return { kind: 'too-large', code, nothingSent: false };
  }
  if (error instanceof FingerprintMismatchError || code === 'HVC_TLS_FINGERPRINT_MISMATCH') {
    return { kind: 'fingerprint', code, nothingSent: true };
  }
  if (code !== undefined && TLS_CODE.test(code)) return { kind: 'tls', code, nothingSent: true };
  if (code !== undefined && CONNECT_CODES.has(code)) return { kind: 'connect', code, nothingSent: true };
  return { kind: 'connection', code, nothingSent: false };
}

/** The first string `code` on the error or its causes. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
