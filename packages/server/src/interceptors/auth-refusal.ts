import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AuthFailure } from '../authn/auth-failure.js';

/**
 * Answers a request that failed authentication, before any body is read: HTTP 401 (or 400) with
 * `WWW-Authenticate`, a Connect error body, and `grpc-status` for gRPC clients. The reason is not disclosed.
 */
export function refuseRequest(
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  failure: AuthFailure,
): void {
  const [code, grpcStatus] = failure.status === 400 ? ['invalid_argument', '3'] : ['unauthenticated', '16'];
  const body = JSON.stringify({ code, message: failure.message });
  req.resume();
  res.writeHead(failure.status, {
    'content-type': 'application/json',
    'www-authenticate': failure.challenge,
    'grpc-status': grpcStatus,
    'grpc-message': encodeURIComponent(failure.message),
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
