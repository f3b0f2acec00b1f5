import { PveError } from './pve-error.js';
import { Envelope } from './router/route.js';

const BASE_HEADERS = {
  server: 'pve-api-daemon/3.0',
  'cache-control': 'max-age=0',
  pragma: 'no-cache',
};

/** HTTP reason phrases may only hold visible Latin-1 characters: PVE sends the first line of the message. */
export function reasonPhrase(message: string): string {
  const first = message.split('\n')[0] ?? '';
  return first.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

/** The 200 `{data: ...}` answer of a handler result. */
export function successResponse(result: unknown): Response {
  const body = result instanceof Envelope ? { ...result.extra, data: result.data } : { data: result ?? null };
  return new Response(JSON.stringify(body), {
    status: 200,
    statusText: 'OK',
    headers: { ...BASE_HEADERS, 'content-type': 'application/json;charset=UTF-8' },
  });
}

/**
 * The answer for an error: the message in the reason phrase always; in the JSON body as `message`
 * only on PVE 9 (libpve-http-server-perl >= 5.2.0); empty body for authentication failures.
 */
export function errorResponse(err: PveError, pveVersion: 8 | 9): Response {
  const init = {
    status: err.status,
    statusText: reasonPhrase(err.message),
    headers: { ...BASE_HEADERS, connection: 'close' } as Record<string, string>,
  };
  if (err.kind === 'auth' || err.kind === 'proxy') return new Response(null, init);
  if (err.kind === 'server') {
    if (pveVersion === 8) return new Response(null, init);
    init.headers['content-type'] = 'text/plain;charset=UTF-8';
    return new Response(err.message, init);
  }
  const body: Record<string, unknown> = { data: null };
  if (err.errors) body.errors = err.errors;
  if (err.kind === 'handler' && pveVersion === 9)
    body.message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
  init.headers['content-type'] = 'application/json;charset=UTF-8';
  return new Response(JSON.stringify(body), init);
}

/** Converts anything thrown by a handler into a PVE error (unexpected ones become a 500). */
export function toPveError(e: unknown): PveError {
  if (e instanceof PveError) return e;
  return new PveError(500, e instanceof Error ? e.message : String(e));
}
