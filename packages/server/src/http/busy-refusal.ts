import type { NodeRequest, NodeResponse } from './node-http.js';

/**
 * Answers a request the server will not take on now, before its body is read: RESOURCE_EXHAUSTED as gRPC and
 * gRPC-Web read it (HTTP 200, `grpc-status` 8, no body) or as Connect does (HTTP 429 with an error body).
 */
export function refuseBusy(req: NodeRequest, res: NodeResponse, message: string): void {
  req.resume();
  if ((req.headers['content-type'] ?? '').startsWith('application/grpc')) {
    res.writeHead(200, {
      'content-type': req.headers['content-type'],
      'grpc-status': '8',
      'grpc-message': encodeURIComponent(message),
    });
    res.end();
    return;
  }
  const body = JSON.stringify({ code: 'resource_exhausted', message });
  res.writeHead(429, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
