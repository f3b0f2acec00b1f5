/**
 * Picks, creates, caches and guards a hypervisor connector for each target at run time: connectors registered by
 * kind (eager or lazy) with their types kept per kind, targets from a list or a source such as a database, one
 * cached connector per target and config, and per-target concurrency caps and circuit breakers.
 *
 * @packageDocumentation
 */

export type { ConnectorsOption } from './connector-types.js';
export type { ResolvedConnector } from './resolved-connector.js';
export { createResolver, type Resolver } from './resolver.js';
export {
  InvalidTargetConfigError,
  NoSuchConnectorError,
  TargetNotFoundError,
  UnsupportedConnectorVersionError,
} from './resolver-errors.js';
export { RESOLVER_CHANNELS, type ResolverEvent } from './resolver-events.js';
export { DEFAULT_GUARD_LIMITS, type EffectiveGuardLimits, type ResolverLimits } from './resolver-limits.js';
export type { ResolverOptions } from './resolver-options.js';
export type { ResolverStats } from './resolver-stats.js';
export type { TargetDescriptor, TargetDescriptorFor, UriTargetDescriptor } from './target-descriptor.js';
export type { TargetSource } from './target-source.js';
