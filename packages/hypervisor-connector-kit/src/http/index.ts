/**
 * For connectors that speak HTTP: an endpoint set (keep-alive pools, failover on errors that left a request unsent,
 * the node a call is about first), an undici TLS connector that pins certificate fingerprints before a byte is
 * sent, two transports that read answers under a size cap (undici's `request` by default, or a `fetch` function
 * that msw and other interceptors see), and a classification of transport errors. Loading it loads undici; the
 * kit's root does not.
 *
 * @packageDocumentation
 */

export {
  type Endpoint,
  type EndpointDefinition,
  EndpointSet,
  type EndpointSetOptions,
  type FailoverOptions,
} from './endpoint-set.js';
export { createFetchTransport, type FetchFunction } from './fetch-transport.js';
export { HttpDeadlineError } from './http-deadline-error.js';
export {
  DEFAULT_MAX_ERROR_BODY_BYTES,
  type HttpTransport,
  type HttpTransportRequest,
  type HttpTransportResponse,
} from './http-transport.js';
export { jsonArrayEnvelopeParser } from './json-array-envelope.js';
export { ResponseTooLargeError } from './response-too-large.js';
export { createTlsConnector, type TlsConnectorOptions } from './tls-connector.js';
export { type TransportFailure, type TransportFailureKind, transportFailure } from './transport-failure.js';
export { createUndiciTransport } from './undici-transport.js';
