import type { Registry } from 'prom-client';
import type { NodeRequest, NodeResponse } from './node-http.js';

/** What `/readyz` reports. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
  /** Present (true) while the demo's dev issuer is trusted, so nobody mistakes a demo for a real deployment. */
  readonly devAuth?: true;
}

/**
 * Answers `/healthz` (the process runs), `/readyz` (the database answers and every issuer's keys are fresh) and
 * `/metrics` (Prometheus); returns false for any other path. None of them needs a token or reveals a secret.
 */
export function createOpsEndpoints(parts: {
  readonly readiness: () => Promise<Readiness>;
  readonly registry: Registry;
}): (req: NodeRequest, res: NodeResponse) => boolean {
  const send = (res: NodeResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz') {
      send(res, 200, 'application/json', '{"status":"ok"}');
      return true;
    }
    if (path === '/readyz') {
      parts.readiness().then(
        (r) => send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify(r)),
        () => send(res, 503, 'application/json', '{"ready":false}'),
      );
      return true;
    }
    if (path === '/metrics') {
      parts.registry.metrics().then(
        (text) => send(res, 200, parts.registry.contentType, text),
        () => send(res, 500, 'text/plain', 'metrics unavailable'),
      );
      return true;
    }
    return false;
  };
}
