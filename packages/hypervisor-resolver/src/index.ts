/**
 * Picks, creates, caches and guards a hypervisor connector for each target at run time: connectors registered by
 * kind (eager or lazy), targets from a list or a source such as a database, one cached connector per target and
 * config, and per-target concurrency caps and circuit breakers.
 *
 * @packageDocumentation
 */

export type { BreakerSnapshot, BreakerState, BreakerTransition } from './circuit-breaker.js';
export type { ConnectorLoader, ConnectorsOption } from './connector-registry.js';
export { SUPPORTED_SPECIFICATION_VERSIONS } from './factory-check.js';
export type { GuardStats } from './guarded-connector.js';
export { createResolver, type ResolvedConnector, type Resolver } from './resolver.js';
export {
  InvalidTargetConfigError,
  NoSuchConnectorError,
  TargetNotFoundError,
  UnsupportedConnectorVersionError,
} from './resolver-errors.js';
export {
  type BreakerEvent,
  type CloseEvent,
  type CreateEvent,
  type EvictEvent,
  type EvictionReason,
  RESOLVER_CHANNELS,
  type ResolveEvent,
  type ResolverEvent,
  type ResolverEventListener,
} from './resolver-events.js';
export type { BreakerLimits, GuardLimits, ResolverLimits, WaitLimits } from './resolver-limits.js';
export type { CacheOptions, ResolverOptions } from './resolver-options.js';
export type { ResolverStats, TargetStats } from './resolver-stats.js';
export type { TargetDescriptor, TargetInput, UriTargetDescriptor } from './target-descriptor.js';
export type { TargetSource, TargetSourceOptions, TargetsOption } from './target-source.js';
