import { isHypervisorError } from '@hvc/hypervisor-connector';
import { abortableDelay } from '@hvc/hypervisor-connector-kit';
import type { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.js';
import type { PveParams } from './form-encoding.js';
import type { ProxmoxLogger } from './logger.js';
import type { PveHttp, PveHttpRequest } from './pve-http.js';

/** Options of one API call. */
export interface PveCallOptions {
  readonly signal?: AbortSignal;
  /** The node the call is about, so it goes to that node's endpoint. */
  readonly node?: string;
}

/**
 * Authenticated calls to the PVE API. Reads (GET) are retried on retryable errors (UNAVAILABLE, TIMEOUT) with
 * exponential backoff and jitter; writes are sent once. Any call that gets 401 is sent once more after the
 * authenticator replaced its ticket — a 401 means PVE did nothing.
 */
export class PveClient {
  readonly #http: PveHttp;
  readonly #auth: Authenticator;
  readonly #readAttempts: number;
  readonly #logger: ProxmoxLogger;

  constructor(http: PveHttp, auth: Authenticator, readAttempts: number, logger: ProxmoxLogger) {
    this.#http = http;
    this.#auth = auth;
    this.#readAttempts = readAttempts;
    this.#logger = logger;
  }

  /** `GET path` → parsed data. */
  get<S extends z.ZodType>(path: string, params: PveParams | undefined, schema: S, options?: PveCallOptions) {
    return this.call('GET', path, params, schema, options);
  }

  /** Any method → parsed data (raw `data` without a schema). */
  async call<S extends z.ZodType>(
    method: PveHttpRequest['method'],
    path: string,
    params: PveParams | undefined,
    schema: S | undefined,
    options: PveCallOptions = {},
  ): Promise<z.output<S>> {
    const attempts = method === 'GET' ? this.#readAttempts : 1;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      const headers = await this.#auth.headers(method !== 'GET', options.signal);
      try {
        return await this.#http.send(
          {
            method,
            path,
            ...(params === undefined ? {} : { params }),
            ...(options.node === undefined ? {} : { node: options.node }),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            headers,
            attempt,
          },
          schema,
        );
      } catch (error) {
        if (
          isHypervisorError(error, 'UNAUTHENTICATED') &&
          !reauthenticated &&
          this.#auth.unauthorized(headers)
        ) {
          reauthenticated = true;
          attempt--;
          this.#logger.warn({ method, path }, 'PVE refused the ticket; logging in again and re-sending once');
          continue;
        }
        const retryable =
          isHypervisorError(error) &&
          error.retryable &&
          (error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT');
        if (!retryable || attempt >= attempts) throw error;
        const delayMs = backoffMs(attempt);
        this.#logger.warn(
          { method, path, attempt, code: error.code, delayMs },
          'retrying a PVE read after a transient error',
        );
        await abortableDelay(delayMs, options.signal);
      }
    }
  }
}

/** 200 ms, 400 ms, 800 ms ... capped at 5 s, each with ±25 % jitter. */
export function backoffMs(attempt: number): number {
  const base = Math.min(5_000, 200 * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
