import { type HypervisorError, isHypervisorError } from '@hvc/hypervisor-connector';
import { type BackoffPolicy, retry } from '@hvc/hypervisor-connector-kit';
import type { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.js';
import type { PveParams } from './form-encoding.js';
import type { ProxmoxLogger } from './logger.js';
import type { PveHttp, PveHttpRequest } from './pve-http.js';

/** Options of one API call. */
export interface PveCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** The node the call is about, so it goes to that node's endpoint. */
  readonly node?: string;
}

/** Pauses between read attempts: 200 ms, 400 ms, 800 ms ... capped at 5 s, each with ±25 % jitter. */
const READ_BACKOFF: BackoffPolicy = { initialMs: 200, factor: 2, maxMs: 5_000, jitter: 0.25 };

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
  #writes = 0;

  constructor(http: PveHttp, auth: Authenticator, readAttempts: number, logger: ProxmoxLogger) {
    this.#http = http;
    this.#auth = auth;
    this.#readAttempts = readAttempts;
    this.#logger = logger;
  }

  /** Changes whenever a write (any method but GET) is sent or settles: reads started before it may not show it. */
  get writeEpoch(): number {
    return this.#writes;
  }

  /** `GET path` → parsed data. */
  get<S extends z.ZodType>(path: string, params: PveParams | undefined, schema: S, options?: PveCallOptions) {
    return this.call('GET', path, params, schema, options);
  }

  /** Any method → parsed data (raw `data` without a schema). */
  call<S extends z.ZodType>(
    method: PveHttpRequest['method'],
    path: string,
    params: PveParams | undefined,
    schema: S | undefined,
    options: PveCallOptions = {},
  ): Promise<z.output<S>> {
    const call: PendingCall<S> = { method, path, params, schema, options, reauthenticated: false };
    if (method !== 'GET') {
      this.#writes++;
      return this.#attempt(call, 1).finally(() => {
        this.#writes++;
      });
    }
    if (this.#readAttempts === 1) return this.#attempt(call, 1);
    const { signal } = options;
    return retry((number) => this.#attempt(call, number), {
      attempts: this.#readAttempts,
      backoff: READ_BACKOFF,
      ...(signal === undefined ? {} : { signal }),
      onRetry: ({ attempt, error, delayMs }) =>
        this.#logger.warn(
          { method, path, attempt, code: (error as HypervisorError).code, delayMs },
          'retrying a PVE read after a transient error',
        ),
    });
  }

  /** One attempt of a call; a 401 is answered once per call by logging in again and sending it anew. */
  async #attempt<S extends z.ZodType>(call: PendingCall<S>, attempt: number): Promise<z.output<S>> {
    const { method, path, params, schema, options } = call;
    for (;;) {
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
        // Once per call, whichever attempt it falls in: a second 401 is the credential's fault.
        if (
          isHypervisorError(error, 'UNAUTHENTICATED') &&
          !call.reauthenticated &&
          this.#auth.unauthorized(headers)
        ) {
          call.reauthenticated = true;
          this.#logger.warn({ method, path }, 'PVE refused the ticket; logging in again and re-sending once');
          continue;
        }
        throw error;
      }
    }
  }
}

/** One call across its attempts. */
interface PendingCall<S extends z.ZodType> {
  readonly method: PveHttpRequest['method'];
  readonly path: string;
  readonly params: PveParams | undefined;
  readonly schema: S | undefined;
  readonly options: PveCallOptions;
  /** Whether a 401 already made it log in again. */
  reauthenticated: boolean;
}
