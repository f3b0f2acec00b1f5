import { readCappedBody } from './capped-body.js';
import type { Endpoint } from './endpoint-set.js';
import { HttpDeadlineError } from './http-deadline-error.js';
import {
  answerOf,
  bodyLimit,
  type HttpTransport,
  type HttpTransportRequest,
  type HttpTransportResponse,
} from './http-transport.js';

/** A `fetch` function: the global one, or one of a test library. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/**
 * A transport over a `fetch` function, for what intercepts `fetch` (msw's `setupServer`, nock's fetch support,
 * a recording proxy). It sends `${endpoint.url}${path}` without following redirects, keeps the same deadline as
 * the undici transport (headers within `timeoutMs`, then no stall of the body longer than that), aborts on the
 * caller's signal, and counts the body as it streams (after decompression), cancelling it — and so dropping its
 * connection — past the limit. The endpoint's TLS settings and its pool's connect timeout do not apply: the
 * connection is the `fetch` function's business (the deadline covers the connect).
 */
export function createFetchTransport(fetchFunction: FetchFunction): HttpTransport {
  return Object.freeze({
    kind: 'fetch',
    send: (endpoint: Endpoint, request: HttpTransportRequest) =>
      sendWithFetch(fetchFunction, endpoint, request),
  });
}

async function sendWithFetch(
  fetchFunction: FetchFunction,
  endpoint: Endpoint,
  request: HttpTransportRequest,
): Promise<HttpTransportResponse> {
  const { signal, timeoutMs } = request;
  // One controller ends the exchange for every reason: the caller's abort, a deadline, a body over its limit.
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  const onCallerAbort = () => abort(signal?.reason);
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (signal?.aborted) onCallerAbort();
  // Races every wait, so a fetch that ignores its signal (a mock) still cannot outlive the exchange.
  const ended = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(controller.signal.reason);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  ended.catch(() => undefined);
  let timer = setTimeout(abort, timeoutMs, new HttpDeadlineError('headers', timeoutMs));
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let drained = false;
  try {
    const init: RequestInit = {
      method: request.method,
      headers: request.headers,
      redirect: 'manual',
      signal: controller.signal,
    };
    if (request.body !== undefined) init.body = request.body;
    const response = await Promise.race([fetchFunction(`${endpoint.url}${request.path}`, init), ended]);
    const { limitBytes, overflow } = bodyLimit(response.status, request);
    const { status, statusText } = response;
    if (response.body === null) {
      drained = true;
      return answerOf(request, status, statusText, Buffer.alloc(0));
    }
    const open = response.body.getReader();
    reader = open;
    const chunks = async function* () {
      for (;;) {
        clearTimeout(timer);
        timer = setTimeout(abort, timeoutMs, new HttpDeadlineError('body', timeoutMs));
        const next = await Promise.race([open.read(), ended]);
        if (next.done) {
          drained = true;
          return;
        }
        yield next.value;
      }
    };
    // Awaited here, so the body is read before `finally` checks that it was.
    return await readCappedBody(chunks(), limitBytes, overflow, (bytes) =>
      answerOf(request, status, statusText, bytes),
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
    // A body left unread (over its limit, cut short, a failure) is cancelled: its connection goes with it.
    if (!drained) {
      if (!controller.signal.aborted) abort(new Error('the exchange ended before its body'));
      reader?.cancel().catch(() => undefined);
    }
  }
}
