/**
 * The Node entry of `@hvc/client`: everything of the root, plus `createNodeTransport` for gRPC over HTTP/2 (and
 * Connect or gRPC-Web over HTTP/1.1) with `node:http2`.
 *
 * @packageDocumentation
 */
export * from './index.js';
export { createNodeTransport, type NodeTransportOptions } from './node-transport.js';
