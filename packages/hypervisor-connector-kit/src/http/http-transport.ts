import type { Endpoint } from './endpoint-set.js';

/** One HTTP request as a connector hands it to an {@link HttpTransport}. */
export interface HttpTransportRequest {
  readonly method: string;
  /** The path and query, e.g. `/api2/json/version`; the endpoint gives the origin. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The caller's signal: aborting it aborts the request, and the transport rethrows what it threw. */
  readonly signal?: AbortSignal;
  /**
   * Deadline of the answer: its headers must come, and its body must never stall, for longer than this (the
   * connect has its own deadline). Missing it throws an error `transportFailure` classifies as `deadline`.
   */
  readonly timeoutMs: number;
  /**
   * Most bytes of a 2xx body (after any decompression the transport does): past it the connection is dropped and
   * `ResponseTooLargeError` thrown.
   */
  readonly maxResponseBytes: number;
  /**
   * Most bytes kept of any other answer's body, which only explains a failure: the rest is not read (the
   * connection is dropped) and the text is cut there. Default `min(64 KiB, maxResponseBytes)`.
   */
  readonly maxErrorBodyBytes?: number;
  /**
   * Reads a 2xx body from its bytes instead of decoding it to text: its result is the answer's `parsed`, and `body`
   * is then empty. Called once, synchronously, with the whole body in memory that is reused once it returns (so it
   * keeps nothing of the bytes but what it makes of them). For large JSON answers, which it can parse without
   * building one string of the whole body (see `jsonArrayEnvelopeParser`). What it throws fails the send.
   */
  readonly parseBody?: (bytes: Buffer) => unknown;
}

/** An answer, its body read whole (or, for a failure, up to its limit). */
export interface HttpTransportResponse {
  readonly status: number;
  /** The reason phrase (PVE puts its error text there). */
  readonly statusText: string;
  /** The body as text; empty when `parseBody` read it. */
  readonly body: string;
  /** What the request's `parseBody` made of a 2xx body. */
  readonly parsed?: unknown;
}

/**
 * The answer with `status` from its whole body's `bytes` (valid only during the call): read by the request's
 * `parseBody` for a 2xx, else decoded as UTF-8 text.
 */
export function answerOf(
  request: HttpTransportRequest,
  status: number,
  statusText: string,
  bytes: Buffer,
): HttpTransportResponse {
  const { parseBody } = request;
  if (parseBody !== undefined && status >= 200 && status < 300) {
    return { status, statusText, body: '', parsed: parseBody(bytes) };
  }
  return { status, statusText, body: bytes.toString('utf8') };
}

/**
 * How a connector's requests reach an endpoint: the kit's undici transport (`createUndiciTransport`, the endpoint's
 * keep-alive pool) or a `fetch` function (`createFetchTransport`, for msw and other fetch interceptors). Both read
 * bodies under the same caps and throw errors `transportFailure` classifies alike, so the connector's error mapping,
 * deadlines, aborts, retries and failover do not depend on the transport.
 */
export interface HttpTransport {
  /** What it is, for logs: `undici` or `fetch`. */
  readonly kind: string;
  /** Sends `request` to `endpoint` and reads its answer. */
  send(endpoint: Endpoint, request: HttpTransportRequest): Promise<HttpTransportResponse>;
}

/** The default of {@link HttpTransportRequest.maxErrorBodyBytes}. */
export const DEFAULT_MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The limit and overflow rule of a body with `status`. */
export function bodyLimit(
  status: number,
  request: HttpTransportRequest,
): { readonly limitBytes: number; readonly overflow: 'fail' | 'truncate' } {
  if (status >= 200 && status < 300) return { limitBytes: request.maxResponseBytes, overflow: 'fail' };
  const limitBytes = Math.min(
    request.maxErrorBodyBytes ?? DEFAULT_MAX_ERROR_BODY_BYTES,
    request.maxResponseBytes,
  );
  return { limitBytes, overflow: 'truncate' };
}
