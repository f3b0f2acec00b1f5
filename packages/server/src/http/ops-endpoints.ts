import type { Registry } from 'prom-client';
import type { NodeRequest, NodeResponse } from './node-http.js';

/** What `/readyz` reports. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
  /** Present (true) while the demo's dev issuer is trusted, so nobody mistakes a demo for a real deployment. */
  readonly devAuth?: true;
}

function send(res: NodeResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Answers `/healthz` (the process runs) and `/readyz` (the database answers, every issuer's keys are fresh and the
 * encryption key reads the stored credentials); returns false for any other path. Neither needs a token or
 * reveals a secret.
 */
export function createOpsEndpoints(parts: {
  readonly readiness: () => Promise<Readiness>;
}): (req: NodeRequest, res: NodeResponse) => boolean {
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
    return false;
  };
}

/**
 * Answers `GET /metrics` (Prometheus) and 404 for anything else: the handler of the metrics listener, which is
 * kept off the API port because the series describe every organisation at once.
 */
export function createMetricsEndpoint(registry: Registry): (req: NodeRequest, res: NodeResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') {
      send(res, 404, 'text/plain', 'not found');
      return;
    }
    registry.metrics().then(
      (text) => send(res, 200, registry.contentType, text),
      () => send(res, 500, 'text/plain', 'metrics unavailable'),
    );
  };
}
