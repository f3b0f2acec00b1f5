/**
 * What every hvc connector author reuses: `defineConnector` (input validation, the capability gate, deadlines and
 * signals, error normalisation), `wrapConnector` (one middleware point for every method), operation waits and
 * in-process operation records, an in-memory pager with keyset page tokens, retry with backoff, a concurrency
 * limiter, single flight, guest filtering, a polling guest watcher, clocks (a manual one for tests) and TLS trust with fingerprint pinning.
 *
 * @packageDocumentation
 */
export { abandonable, abortableDelay, cancelled, listenForAbort, throwIfAborted } from './abort/abort.js';
export { type CapabilityScope, requireCapability } from './capabilities/require-capability.js';
export { type Clock, isClock, systemClock } from './clock/clock.js';
export { createManualClock, type ManualClock } from './clock/manual-clock.js';
export type { CallContext } from './connector/call-context.js';
export type { ConnectorImplementation } from './connector/connector-implementation.js';
export {
  CONNECTOR_METHOD_NAMES,
  CONNECTOR_METHODS,
  type ConnectorMethod,
  type ConnectorMethodShape,
} from './connector/connector-methods.js';
export { defineConnector } from './connector/define-connector.js';
export {
  IDEMPOTENCY_KEY_LIMIT,
  IDEMPOTENCY_KEY_TTL_MS,
  IdempotentWrites,
  type IdempotentWritesOptions,
  withIdempotentWrites,
} from './connector/idempotent-writes.js';
export {
  POWER_ACTIONS,
  type PowerAction,
  type PowerMethods,
  powerMethods,
} from './connector/power-methods.js';
export {
  checkProviderOptions,
  type ProviderOptionsMethod,
  type ProviderOptionsSchemas,
} from './connector/provider-options.js';
export { type ConnectorCall, type ConnectorMiddleware, wrapConnector } from './connector/wrap-connector.js';
export { type FilterableGuest, matchesGuestFilter } from './filter/guest-filter.js';
export { canonicalJson, stableHash } from './hash/stable-hash.js';
export {
  ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  type ReleaseSlot,
} from './limits/concurrency-limiter.js';
export { SingleFlight } from './limits/single-flight.js';
export { ipv4Subnet } from './net/ipv4-subnet.js';
export {
  type ChainStart,
  type ChainStep,
  OperationChains,
  type OperationChainsOptions,
} from './operations/operation-chain.js';
export {
  endedOperationError,
  type OperationOrigin,
  waitAborted,
  waitTimedOut,
} from './operations/operation-outcome.js';
export {
  type OperationHandle,
  OperationRecords,
  type OperationRecordsOptions,
  type OperationStart,
} from './operations/operation-records.js';
export { type OperationSource, operationFingerprint } from './operations/operation-source.js';
export {
  type OperationPollEvent,
  OperationWaiter,
  type OperationWaiterOptions,
  type PollSchedule,
} from './operations/operation-waiter.js';
export { guestPageFromList } from './paging/guest-page.js';
export { compareIds, imagePageKey, pageOf } from './paging/in-memory-pager.js';
export { operationMatches, operationPageKey, operationPageOf } from './paging/operation-page.js';
export { type EnsureChange, type EnsureResult, ensureGuest } from './provisioning/ensure-guest.js';
export { type BackoffPolicy, backoffDelay } from './retry/backoff.js';
export { isTransientError, type RetryAttempt, type RetryOptions, retry } from './retry/retry.js';
export {
  checkPinnedFingerprint,
  FingerprintMismatchError,
  FingerprintSchema,
  fingerprintKey,
} from './tls/fingerprint.js';
export {
  pinsOf,
  type TlsTrust,
  type TlsTrustConfig,
  TlsTrustSchema,
  tlsTrustOptions,
} from './tls/tls-trust.js';
export { coalesceGuestEvents } from './watch/coalesce-events.js';
export {
  changedGuestFields,
  diffGuestListings,
  guestChange,
  guestIdOf,
  WATCHED_GUEST_FIELDS,
} from './watch/guest-diff.js';
export { isPermanentWatchError } from './watch/permanent-watch-error.js';
export {
  DEFAULT_WATCH_BACKOFF,
  DEFAULT_WATCH_INTERVAL_MS,
  PollingWatcher,
  type PollingWatcherOptions,
} from './watch/polling-watcher.js';
export { WatchQueue } from './watch/watch-queue.js';
