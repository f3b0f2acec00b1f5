import type { Http2Session } from 'node:http2';
import type { NodeRequest } from './node-http.js';

/**
 * Peer addresses of HTTP/2 sessions whose socket cannot say: a plaintext session runs over a stream that replays
 * the connection's first bytes, and Node reads the peer of that stream as unknown.
 */
const sessionAddresses = new WeakMap<Http2Session, string>();

/** Records the peer address of `session`, for {@link clientAddressOf}. */
export function rememberSessionAddress(session: Http2Session, address: string | undefined): void {
  if (address) sessionAddresses.set(session, address);
}

/** The address of the client that sent `req`, when known. */
export function clientAddressOf(req: NodeRequest): string | undefined {
  if ('stream' in req) {
    const remembered = sessionAddresses.get(req.stream.session as Http2Session);
    if (remembered) return remembered;
  }
  return req.socket?.remoteAddress;
}
