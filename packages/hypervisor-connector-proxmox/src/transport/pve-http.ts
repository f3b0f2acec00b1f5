import { CancelledError, type HypervisorError } from '@hvc/hypervisor-connector';
import type { ConcurrencyLimiter } from '@hvc/hypervisor-connector-kit';
import type {
  Endpoint,
  EndpointSet,
  FailoverOptions,
  HttpTransport,
  HttpTransportRequest,
} from '@hvc/hypervisor-connector-kit/http';
import type { z } from 'zod';
import { mapPveFailure } from '../errors/pve-error-mapping.js';
import { hasDiagnosticsSubscribers, publishRequest, publishResponse, redactParams } from './diagnostics.js';
import { encodePveParams, type PveParams } from './form-encoding.js';
import { type ProxmoxLogger, SILENT_LOGGER } from './logger.js';
import { type PveBody, parseData, parsedErrorBody, parseErrorBody, readPveBody } from './pve-response.js';
import { mapTransportError, nothingSent } from './transport-errors.js';

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
  /** How requests reach an endpoint (the kit's undici transport by default, or a `fetch`). */
  readonly transport: HttpTransport;
  readonly limiter: ConcurrencyLimiter;
  readonly requestTimeoutMs: number;
  /** Most bytes of an answer's body: past it the connection is dropped and the call fails with INTERNAL. */
  readonly maxResponseBytes: number;
  readonly target?: string;
  readonly logger: ProxmoxLogger;
}

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
 * its body must never stall, for longer than the deadline (the connect has its own timeout). Bodies are read under
 * `maxResponseBytes` (an error's body under 64 KiB), counted as they stream. Parses the `{data}`
 * envelope (and `schema`, when given) and maps failures to contract errors. It never sends a request twice
 * except to another endpoint after a connect failure, when nothing was sent.
 */
export class PveHttp {
  readonly #options: PveHttpOptions;
  readonly #jsonHeaders: MergedHeaders = { auth: undefined, merged: JSON_HEADERS };
  readonly #formHeaders: MergedHeaders = { auth: undefined, merged: FORM_HEADERS };

  /** How a send moves on to the next endpoint: made once, as every request uses it. */
  readonly #failover: FailoverOptions;

  constructor(options: PveHttpOptions) {
    this.#options = options;
    const { logger, target } = options;
    this.#failover = {
      nothingSent,
      onFailover: (endpoint, error) =>
        logger.warn(
          { target, endpoint: endpoint.url, code: (error as HypervisorError).code },
          'cannot connect to a PVE endpoint; trying the next one',
        ),
    };
  }

  /** Sends `request` and returns its parsed `data`. */
  send<S extends z.ZodType>(request: PveHttpRequest, schema?: S): Promise<z.output<S>> {
    const { endpoints, limiter } = this.#options;
    return endpoints.failover(
      request.node,
      (endpoint) => limiter.run(() => this.#attempt(endpoint, request, schema), request.signal),
      this.#failover,
    );
  }

  async #attempt<S extends z.ZodType>(
    endpoint: Endpoint,
    request: PveHttpRequest,
    schema: S | undefined,
  ): Promise<z.output<S>> {
    const { target, requestTimeoutMs, maxResponseBytes, transport } = this.#options;
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
      // Built without spreads: this runs for every request.
      const exchange: { -readonly [K in keyof HttpTransportRequest]: HttpTransportRequest[K] } = {
        method: request.method,
        path,
        headers: this.#headers(hasBody, request.headers),
        timeoutMs: requestTimeoutMs,
        maxResponseBytes,
        parseBody: readPveBody,
      };
      if (hasBody) exchange.body = encoded;
      if (request.signal !== undefined) exchange.signal = request.signal;
      const response = await transport.send(endpoint, exchange);
      status = response.status;
      // The kit's transports read a 2xx body with `parseBody`; a transport of the caller's own may return text.
      const parsed = response.parsed as PveBody | undefined;
      if (status === 200)
        return parseData(parsed ?? readPveBody(Buffer.from(response.body)), schema, request, target);
      throw mapPveFailure({
        status,
        reason: response.statusText,
        body: parsed === undefined ? parseErrorBody(response.body) : parsedErrorBody(parsed),
        method: request.method,
        path: request.path,
        ...(target === undefined ? {} : { target }),
      });
    } catch (error) {
      failed = true;
      const mapped = mapTransportError(error, request, target, { requestTimeoutMs, maxResponseBytes });
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
}
