import type { Http2ServerResponse } from 'node:http2';
import type { NodeRequest, NodeResponse } from './node-http.js';

const PARSE_BINARY = 'parse binary:';

/**
 * Makes an undecodable gRPC request message end with INVALID_ARGUMENT, as it does over Connect JSON. The RPC layer
 * decodes a gRPC message before any interceptor runs and reports a failure as INTERNAL ("parse binary: ..."),
 * which would blame the server for the client's bytes; the status is corrected in the trailers on their way out.
 */
export function decodeFailureAsInvalidArgument(req: NodeRequest, res: NodeResponse): void {
  if (req.httpVersionMajor !== 2 || !isGrpc(req.headers['content-type'])) return;
  const h2 = res as Http2ServerResponse;
  const addTrailers = h2.addTrailers.bind(h2);
  h2.addTrailers = (headers) => {
    const trailers = headers as Record<string, unknown>;
    const message = trailers['grpc-message'];
    if (trailers['grpc-status'] === '13' && typeof message === 'string' && isParseFailure(message)) {
      addTrailers({ ...trailers, 'grpc-status': '3' });
      return;
    }
    addTrailers(headers);
  };
}

/** gRPC proper: `application/grpc` and `application/grpc+...`, not gRPC-Web. */
function isGrpc(contentType: string | undefined): boolean {
  return contentType === 'application/grpc' || contentType?.startsWith('application/grpc+') === true;
}

function isParseFailure(encodedMessage: string): boolean {
  try {
    return decodeURIComponent(encodedMessage).startsWith(PARSE_BINARY);
  } catch {
    return false;
  }
}
