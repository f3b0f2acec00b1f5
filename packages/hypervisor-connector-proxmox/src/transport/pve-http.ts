import {
  CancelledError,
  type HypervisorError,
  InternalError,
  isHypervisorError,
  TimeoutError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import type { ConcurrencyLimiter } from '@hvc/hypervisor-connector-kit';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { mapPveFailure } from '../errors/pve-error-mapping.js';
import { PveErrorBodySchema } from '../schemas/envelope.js';
import { directReader } from '../schemas/pve-record.js';
import { hasDiagnosticsSubscribers, publishRequest, publishResponse, redactParams } from './diagnostics.js';
import type { Endpoint, EndpointSet } from './endpoint-set.js';
import { encodePveParams, type PveParams } from './form-encoding.js';
import { type ProxmoxLogger, SILENT_LOGGER } from './logger.js';
import { FingerprintMismatchError } from './tls-connector.js';

/** One HTTP call to the PVE API. */
export interface PveHttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The API path after `/api2/json`, segments already encoded. */
  readonly path: string;
  readonly params?: PveParams;
  /** The node the call is about: its endpoint is tried first. */
  readonly node?: string;
  /** Auth headers (never published, never logged). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Which attempt of the call this is (for diagnostics). */
  readonly attempt?: number;
}

/** Settings of {@link PveHttp}. */
export interface PveHttpOptions {
  readonly endpoints: EndpointSet;
  readonly limiter: ConcurrencyLimiter;
  readonly requestTimeoutMs: number;
  readonly target?: string;
  readonly now: () => number;
  readonly logger: ProxmoxLogger;
}

/** Errors that happen before a request byte is written: another endpoint may be tried, even for a write. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'HVC_TLS_FINGERPRINT_MISMATCH',
]);
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

/** undici's errors for a request that outlived its deadline (no answer, or a body that stalled). */
const DEADLINE_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
interface MergedHeaders {
  auth: Readonly<Record<string, string>> | undefined;
  merged: Readonly<Record<string, string>>;
}

const JSON_HEADERS: Readonly<Record<string, string>> = { accept: 'application/json' };
const FORM_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json',
  'content-type': 'application/x-www-form-urlencoded',
};
let nextRequestId = 1;

/**
 * The HTTP layer of the connector: one request to the first endpoint that accepts a connection, under the
 * target's concurrency cap, the caller's signal and a per-request deadline: the answer's headers must come, and
 * its body must never stall, for longer than the deadline (the connect has its own timeout). Parses the `{data}`
 * envelope (and `schema`, when given) and maps failures to contract errors. It never sends a request twice
 * except to another endpoint after a connect failure, when nothing was sent.
 */
export class PveHttp {
  readonly #options: PveHttpOptions;
  readonly #jsonHeaders: MergedHeaders = { auth: undefined, merged: JSON_HEADERS };
  readonly #formHeaders: MergedHeaders = { auth: undefined, merged: FORM_HEADERS };

  constructor(options: PveHttpOptions) {
    this.#options = options;
  }

  /** Sends `request` and returns its parsed `data`. */
  async send<S extends z.ZodType>(request: PveHttpRequest, schema?: S): Promise<z.output<S>> {
    const { endpoints, now } = this.#options;
    let lastConnectError: HypervisorError | undefined;
    for (const endpoint of endpoints.order(request.node, now())) {
      try {
        return await this.#options.limiter.run(
          () => this.#attempt(endpoint, request, schema),
          request.signal,
        );
      } catch (error) {
        if (!isConnectFailure(error)) throw error;
        endpoints.markDown(endpoint, now());
        this.#options.logger.warn(
          { target: this.#options.target, endpoint: endpoint.url, code: (error as HypervisorError).code },
          'cannot connect to a PVE endpoint; trying the next one',
        );
        lastConnectError = error as HypervisorError;
      }
    }
    throw lastConnectError ?? new UnavailableError('no endpoint configured');
  }

  async #attempt<S extends z.ZodType>(
    endpoint: Endpoint,
    request: PveHttpRequest,
    schema: S | undefined,
  ): Promise<z.output<S>> {
    const { target, requestTimeoutMs } = this.#options;
    const requestId = nextRequestId++;
    const started = performance.now();
    const encoded = encodePveParams(request.params);
    const hasBody = request.method === 'POST' || request.method === 'PUT';
    const path = `/api2/json${request.path}${!hasBody && encoded ? `?${encoded}` : ''}`;
    // What diagnostics and the debug log see: built only when someone listens.
    const base = this.#observed()
      ? {
          target,
          requestId,
          method: request.method,
          path: request.path,
          endpoint: endpoint.url,
          attempt: request.attempt ?? 1,
        }
      : undefined;
    if (base) publishRequest(() => ({ ...base, params: redactParams(request.params) }));

    let status: number | undefined;
    let failed = false;
    try {
      if (request.signal?.aborted)
        throw new CancelledError('the call was aborted', { cause: request.signal.reason });
      // undici's own timers carry the deadline (no controller or timer of ours per request), and a signal is
      // handed over only when the caller gave one: both cost a listener and a nextTick per request in undici.
      const options: Dispatcher.RequestOptions = {
        path,
        method: request.method,
        headers: this.#headers(hasBody, request.headers),
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      };
      if (hasBody) options.body = encoded;
      if (request.signal !== undefined) options.signal = request.signal;
      const response = await endpoint.pool.request(options);
      status = response.statusCode;
      const text = await response.body.text();
      if (status === 200) return parseData(text, schema, request, target);
      throw mapPveFailure({
        status,
        reason: response.statusText,
        body: parseErrorBody(text),
        method: request.method,
        path: request.path,
        ...(target === undefined ? {} : { target }),
      });
    } catch (error) {
      failed = true;
      const mapped = this.#mapThrown(error, request);
      if (base) {
        const durationMs = performance.now() - started;
        this.#options.logger.debug(
          { ...base, status, durationMs, errorCode: mapped.code },
          'PVE request failed',
        );
        publishResponse(() => ({
          ...base,
          ...(status === undefined ? {} : { status }),
          durationMs,
          errorCode: mapped.code,
          errorMessage: mapped.message,
        }));
      }
      throw mapped;
    } finally {
      if (base && !failed && status !== undefined) {
        const durationMs = performance.now() - started;
        publishResponse(() => ({ ...base, status, durationMs }));
        this.#options.logger.debug({ ...base, status, durationMs }, 'PVE request');
      }
    }
  }

  /** Whether a request's progress is published or logged. */
  #observed(): boolean {
    return this.#options.logger !== SILENT_LOGGER || hasDiagnosticsSubscribers();
  }

  /**
   * The headers of a request: the constant ones and the auth headers. Token auth hands out one object for every
   * request, so the merged headers are kept for the last auth headers seen.
   */
  #headers(
    hasBody: boolean,
    auth: Readonly<Record<string, string>> | undefined,
  ): Readonly<Record<string, string>> {
    if (auth === undefined) return hasBody ? FORM_HEADERS : JSON_HEADERS;
    const cache = hasBody ? this.#formHeaders : this.#jsonHeaders;
    if (cache.auth === auth) return cache.merged;
    const merged = { ...(hasBody ? FORM_HEADERS : JSON_HEADERS), ...auth };
    cache.auth = auth;
    cache.merged = merged;
    return merged;
  }

  #mapThrown(error: unknown, request: PveHttpRequest): HypervisorError {
    const target = this.#options.target;
    const options = { cause: error, ...(target === undefined ? {} : { target }) };
    if (isHypervisorError(error)) return error;
    if (request.signal?.aborted) return new CancelledError('the call was aborted', options);
    const code = errorCode(error);
    if (code !== undefined && DEADLINE_CODES.has(code)) {
      return new TimeoutError(
        `PVE did not answer ${request.method} ${request.path} within ${this.#options.requestTimeoutMs} ms` +
          (request.method === 'GET' ? '' : '; the change may or may not have been made'),
        options,
      );
    }
    if (error instanceof FingerprintMismatchError) {
      return new UnavailableError(error.message, {
        ...options,
        retryable: false,
        details: { reason: 'tls-fingerprint-mismatch', connect: true, presented: error.presented },
      });
    }
    if (code && TLS_CODE.test(code)) {
      return new UnavailableError(`TLS handshake with the PVE endpoint failed (${code})`, {
        ...options,
        retryable: false,
        details: { reason: 'tls', code, connect: true },
      });
    }
    if (code && CONNECT_CODES.has(code)) {
      return new UnavailableError(`cannot connect to the PVE endpoint (${code})`, {
        ...options,
        details: { code, connect: true },
      });
    }
    return new UnavailableError(
      `the connection to PVE failed during ${request.method} ${request.path} (${code ?? 'unknown error'})` +
        (request.method === 'GET' ? '' : '; the change may or may not have been made'),
      { ...options, details: { ...(code ? { code } : {}), connect: false } },
    );
  }
}

function isConnectFailure(error: unknown): boolean {
  return isHypervisorError(error, 'UNAVAILABLE') && error.details?.connect === true;
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function parseErrorBody(text: string) {
  if (!text) return undefined;
  try {
    const parsed = PveErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Errors raised before a handler runs have a plain-text body (or none): the reason phrase carries the text.
    return { message: text.slice(0, 1024) };
  }
}

function parseData<S extends z.ZodType>(
  text: string,
  schema: S | undefined,
  request: PveHttpRequest,
  target: string | undefined,
): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badResponse(request, target, 'with something that is not JSON', { cause: error });
  }
  if (typeof body !== 'object' || body === null || !('data' in body)) {
    throw badResponse(request, target, 'without a data envelope', {});
  }
  const data = (body as { data: unknown }).data;
  if (!schema) return data as z.output<S>;
  const read = directReader(schema);
  if (read) {
    const result = read(data);
    if ('value' in result) return result.value as z.output<S>;
    throw unexpectedResponse(request, target, [result]);
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw unexpectedResponse(request, target, parsed.error.issues);
}

/** INTERNAL for a response that does not match its schema, naming the first bad member. */
function unexpectedResponse(
  request: PveHttpRequest,
  target: string | undefined,
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): InternalError {
  const first = issues[0];
  const where = `${request.method} ${request.path}`;
  return new InternalError(
    `unexpected PVE response to ${where}: ${first ? `${first.path.map(String).join('.') || 'data'}: ${first.message}` : 'invalid'}`,
    {
      ...(target === undefined ? {} : { target }),
      details: {
        issues: issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message })),
      },
    },
  );
}

/** INTERNAL for a 200 whose body is not a PVE answer. */
function badResponse(
  request: PveHttpRequest,
  target: string | undefined,
  what: string,
  options: { cause?: unknown },
): InternalError {
  return new InternalError(`PVE answered ${request.method} ${request.path} ${what}`, {
    ...options,
    ...(target === undefined ? {} : { target }),
  });
}
