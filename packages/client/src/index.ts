/**
 * A typed client for hvc-server's `hvc.v1` API, for browsers and Node: `createHvcClient(transport)` with a transport
 * over `fetch` (Connect JSON or gRPC-Web; `createWebTransport`) or, from `@hvc/client/node`, gRPC over HTTP/2. The
 * API's messages and enums are the `wire` namespace (or `@hvc/client/v1`), so their names never collide with the
 * library's own (`wire.GuestState` is the API's enum, `GuestState` of `@hvc/hypervisor-connector` the library's
 * type). Nothing of the server is in this package's module graph.
 *
 * @packageDocumentation
 */
export * as wire from './gen-index.js';
export { bearerToken, createHvcClient, type HvcClient, type TokenSource } from './hvc-client.js';
export {
  ConsoleService,
  GuestService,
  HVC_SERVICES,
  MemberService,
  OperationService,
  SnapshotService,
  TargetService,
} from './hvc-services.js';
export {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAY_HEADER,
  idempotencyKey,
  isIdempotencyKey,
  isIdempotentReplay,
} from './idempotency-key.js';
export { createWebTransport, type WebTransportOptions } from './web-transport.js';
