import {
  CancelledError,
  type HypervisorError,
  InternalError,
  isHypervisorError,
  TimeoutError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import { FingerprintMismatchError } from '@hvc/hypervisor-connector-kit';
import { transportFailure } from '@hvc/hypervisor-connector-kit/http';

/** The request a transport error happened to. */
export interface FailedRequest {
  readonly method: string;
  readonly path: string;
  readonly signal?: AbortSignal | undefined;
}

/** The limits a request ran under, named by the errors of passing them. */
export interface RequestLimits {
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
}

/**
 * The contract error of what a request threw: its own `HypervisorError`, CANCELLED for the caller's abort, TIMEOUT
 * at the request deadline, INTERNAL for an answer over `maxResponseBytes` (not retryable: it would be as large
 * again), else UNAVAILABLE — with `details.connect: true` when nothing was sent (refused, TLS,
 * pinning), so another endpoint may be tried. A write that failed once it may have been sent says so
 * (`mayHaveBeenApplied`, not retryable).
 */
export function mapTransportError(
  error: unknown,
  request: FailedRequest,
  target: string | undefined,
  limits: RequestLimits,
): HypervisorError {
  const options = { cause: error, ...(target === undefined ? {} : { target }) };
  if (isHypervisorError(error)) return error;
  // A write stopped once its request may have gone out: PVE may have made the change.
  const write = request.method !== 'GET';
  if (request.signal?.aborted) {
    return new CancelledError('the call was aborted', { ...options, mayHaveBeenApplied: write });
  }
  const maybeMade = write ? '; the change may or may not have been made' : '';
  const { kind, code } = transportFailure(error);
  switch (kind) {
    case 'deadline':
      return new TimeoutError(
        `PVE did not answer ${request.method} ${request.path} within ${limits.requestTimeoutMs} ms${maybeMade}`,
        { ...options, mayHaveBeenApplied: write },
      );
    case 'too-large':
      return new InternalError(
        `PVE's answer to ${request.method} ${request.path} exceeded the response limit of ${limits.maxResponseBytes} bytes (maxResponseBytes); the connection was dropped${maybeMade}`,
        {
          ...options,
          mayHaveBeenApplied: write,
          retryable: false,
          details: { reason: 'response-too-large', limitBytes: limits.maxResponseBytes, connect: false },
        },
      );
    case 'fingerprint':
      return new UnavailableError((error as Error).message, {
        ...options,
        retryable: false,
        details: {
          reason: 'tls-fingerprint-mismatch',
          connect: true,
          presented: error instanceof FingerprintMismatchError ? error.presented : undefined,
        },
      });
    case 'tls':
      return new UnavailableError(`TLS handshake with the PVE endpoint failed (${code})`, {
        ...options,
        retryable: false,
        details: { reason: 'tls', code, connect: true },
      });
    case 'connect':
      return new UnavailableError(`cannot connect to the PVE endpoint (${code})`, {
        ...options,
        details: { code, connect: true },
      });
    case 'connection':
      return new UnavailableError(
        `the connection to PVE failed during ${request.method} ${request.path} (${code ?? 'unknown error'})${maybeMade}`,
        { ...options, mayHaveBeenApplied: write, details: { ...(code ? { code } : {}), connect: false } },
      );
  }
}

/** Whether a mapped error left the request unsent, so that another endpoint may take it. */
export function nothingSent(error: unknown): boolean {
  return isHypervisorError(error, 'UNAVAILABLE') && error.details?.connect === true;
}
