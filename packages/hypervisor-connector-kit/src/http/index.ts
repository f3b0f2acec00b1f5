/**
 * For connectors that speak HTTP over undici: an endpoint set (keep-alive pools, failover on errors that left a
 * request unsent, the node a call is about first), an undici TLS connector that pins certificate fingerprints
 * before a byte is sent, and a classification of undici's transport errors. Loading it loads undici; the kit's
 * root does not.
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
export { createTlsConnector, type TlsConnectorOptions } from './tls-connector.js';
export { type TransportFailure, type TransportFailureKind, transportFailure } from './transport-failure.js';
