import { Agent, request } from 'undici';
import type { PveFakeServer } from '../../src/index.js';

/** What a raw call returned: status, reason phrase, headers and the parsed body. */
export interface RawResponse {
  readonly status: number;
  /** The HTTP reason phrase (PVE puts the error message there). */
  readonly reason: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body, the text for non-JSON bodies, undefined when empty. */
  readonly body: unknown;
}

/** How a raw client authenticates (`null`: send no credentials). */
export type RawAuth =
  | { readonly token: string; readonly secret: string }
  | { readonly ticket: string; readonly csrf?: string }
  /** No credentials at all. */
  | null;

/** A minimal PVE API client over undici for tests that talk to a listening fake (or check its wire format). */
export interface RawPveClient {
  /** Calls `method path` (relative to `/api2/json`); GET/DELETE params go to the query, others to a form body. */
  call(
    method: string,
    path: string,
    params?: Record<string, string | number | boolean>,
    auth?: RawAuth,
    signal?: AbortSignal,
  ): Promise<RawResponse>;
  close(): Promise<void>;
}

/** Creates a raw client that trusts the fake's certificate. */
export function createRawClient(
  server: Pick<PveFakeServer, 'url' | 'ca'>,
  defaultAuth?: RawAuth,
): RawPveClient {
  const agent = new Agent({ connect: { ca: server.ca } });
  return {
    async call(method, path, params = {}, auth = defaultAuth, signal) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(params))
        form.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
      const inQuery = method === 'GET' || method === 'DELETE';
      const qs = inQuery && form.size > 0 ? `?${form}` : '';
      const headers: Record<string, string> = {};
      if (auth && 'token' in auth) headers.authorization = `PVEAPIToken=${auth.token}=${auth.secret}`;
      if (auth && 'ticket' in auth) {
        headers.cookie = `PVEAuthCookie=${encodeURIComponent(auth.ticket)}`;
        if (auth.csrf) headers.csrfpreventiontoken = auth.csrf;
      }
      if (!inQuery) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await request(`${server.url}/api2/json${path}${qs}`, {
        method: method as 'GET',
        headers,
        body: inQuery ? undefined : form.toString(),
        dispatcher: agent,
        signal,
      });
      const text = await res.body.text();
      let body: unknown;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: res.statusCode, reason: res.statusText, headers: res.headers, body };
    },
    close: () => agent.close(),
  };
}
