import type { SetupServer } from 'msw/node';
import type { PveFake } from '../../src/index.js';

/** PVE's JSON envelope. */
export type PveBody<T = unknown> = { data: T; message?: string; errors?: Record<string, string> };

/** What one in-process call returned. */
export interface MswResponse<T = unknown> {
  readonly status: number;
  readonly reason: string;
  readonly body: PveBody<T>;
}

/** A PVE API client over `fetch` that msw routes to the fake's handlers (`https://pve.test:8006`). */
export interface MswApi {
  call<T = unknown>(
    method: string,
    path: string,
    params?: Record<string, string | number>,
  ): Promise<MswResponse<T>>;
  /** Waits for every task, then returns the task's status and its log lines. */
  task(upid: string): Promise<{ status: Record<string, unknown>; log: string[] }>;
}

const BASE = 'https://pve.test:8006/api2/json';

/**
 * Points msw at the fake and returns a client authenticated as `auth` (root's token when absent): GET/DELETE send
 * their parameters in the query, the others as a form body, as PVE clients do.
 */
export function mswApi(
  server: SetupServer,
  fake: PveFake,
  auth?: { tokenId: string; secret: string },
): MswApi {
  server.resetHandlers(...fake.handlers);
  const id = auth ?? { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret };
  const authorization = `PVEAPIToken=${id.tokenId}=${id.secret}`;
  const call = async <T>(method: string, path: string, params: Record<string, string | number> = {}) => {
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const inQuery = method === 'GET' || method === 'DELETE';
    const res = await fetch(`${BASE}${path}${inQuery && form.size ? `?${form}` : ''}`, {
      method,
      headers: inQuery
        ? { authorization }
        : { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: inQuery ? undefined : form.toString(),
    });
    const text = await res.text();
    const body = (text.startsWith('{') ? JSON.parse(text) : { data: undefined }) as PveBody<T>;
    return { status: res.status, reason: res.statusText, body };
  };
  return {
    call,
    async task(upid) {
      await fake.settleTasks();
      const node = upid.split(':')[1];
      const base = `/nodes/${node}/tasks/${encodeURIComponent(upid)}`;
      const status = (await call<Record<string, unknown>>('GET', `${base}/status`)).body.data;
      const lines = (await call<{ t: string }[]>('GET', `${base}/log`, { limit: 1000 })).body.data;
      return { status, log: lines.map((l) => l.t) };
    },
  };
}
