import type { FakeEnv } from '../fake-env.js';
import type { FaultInjector } from '../faults.js';
import { decodeRequestParams } from '../params/decode-request.js';
import { validateParams } from '../params/validate-params.js';
import { PveError, permissionDenied } from '../pve-error.js';
import { errorResponse, successResponse, toPveError } from '../respond.js';
import type { RouteMatcher } from './route-matcher.js';

/** One request as the fake logs it. */
export interface RequestLogEntry {
  readonly method: string;
  /** Path relative to `/api2/json`, e.g. `/nodes/pve1/qemu/100/status/start`. */
  readonly path: string;
  /** Fake clock time in epoch milliseconds. */
  readonly time: number;
  readonly status?: number;
}

const API_PREFIX = '/api2/json';
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

const untilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/** Turns a fetch `Request` into the fake's `Response`: faults, routing, authentication, validation, handler. */
export class Dispatcher {
  constructor(
    private readonly env: FakeEnv,
    private readonly routes: RouteMatcher,
    private readonly faults: FaultInjector,
    private readonly requestLog: RequestLogEntry[],
    /** Entries the log keeps: the oldest one goes when a request would exceed it. */
    private readonly requestLogLimit = Number.POSITIVE_INFINITY,
  ) {}

  /** Handles one request. A `Response.error()` means "reset the connection". */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.startsWith(API_PREFIX)
      ? url.pathname.slice(API_PREFIX.length) || '/'
      : url.pathname;
    const entry: { method: string; path: string; time: number; status?: number } = {
      method: request.method,
      path,
      time: this.env.clock.now(),
    };
    this.requestLog.push(entry);
    if (this.requestLog.length > this.requestLogLimit) this.requestLog.shift();
    const fault = this.faults.pick(request.method, path);
    if (fault) {
      if (fault.latencyMs > 0) await sleep(fault.latencyMs, request.signal);
      if (fault.hang) {
        await untilAborted(request.signal);
        return Response.error();
      }
      if (fault.reset) return Response.error();
      if (fault.expireTickets) this.env.tickets.expireAll();
      if (fault.error && fault.applied) {
        // The request went through; only its answer is lost on the way back.
        await this.run(request, url, path).catch(() => undefined);
      }
      if (fault.error) return this.finish(entry, errorResponse(fault.error, this.env.pveVersion));
    }
    let response: Response;
    try {
      response = successResponse(await this.run(request, url, path));
    } catch (e) {
      response = errorResponse(toPveError(e), this.env.pveVersion);
    }
    return this.finish(entry, response);
  }

  private finish(entry: { status?: number }, response: Response): Response {
    entry.status = response.status;
    return response;
  }

  private async run(request: Request, url: URL, path: string): Promise<unknown> {
    if (!url.pathname.startsWith(`${API_PREFIX}/`) && url.pathname !== API_PREFIX) {
      throw new PveError(501, 'no such uri', 'server');
    }
    const method = request.method;
    if (!METHODS.has(method)) throw new PveError(501, `method '${method}' not available`, 'server');
    const match = this.routes.match(method, path);
    const who = match?.route.access === 'world' ? undefined : this.env.authn.authenticate(request);
    if (!match) throw new PveError(501, `Method '${method} ${path}' not implemented`, 'server');
    const { route, pathParams } = match;
    if (route.allowToken === false && request.headers.get('authorization')?.startsWith('PVEAPIToken')) {
      throw permissionDenied(`URI '${path}' not available with API token`, 'need proper ticket.');
    }
    const raw = await decodeRequestParams(request, pathParams, this.env.pveVersion);
    const params = validateParams(route.params, raw);
    return route.handler({
      params,
      who: who ?? { userid: '', authid: '', via: 'ticket' },
      env: this.env,
      request,
    });
  }
}
