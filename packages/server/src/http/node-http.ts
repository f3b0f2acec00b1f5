import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** A request either HTTP server hands over. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/** A response either HTTP server hands over. */
export type NodeResponse = ServerResponse | Http2ServerResponse;
