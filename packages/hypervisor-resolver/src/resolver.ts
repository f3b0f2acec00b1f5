import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';
import type {
  CheckedConnectors,
  ConnectorKind,
  ConnectorsOption,
  KindConnector,
  KindFactory,
  TargetConfig,
  TargetConfigInput,
} from './connector-types.js';
import type { ResolvedConnector } from './resolved-connector.js';
import type { ResolverEventListener } from './resolver-events.js';
import type { ResolverOptions } from './resolver-options.js';
import type { ResolverStats } from './resolver-stats.js';
import type { DynamicTargetDescriptor, TargetDescriptor, UriTargetDescriptor } from './target-descriptor.js';
import { TargetResolver } from './target-resolver.js';

/**
 * Picks, creates, caches and guards one connector per target. `Connectors` is its registry: a descriptor that names
 * one of its kinds is checked against that kind's config type, and resolves to that kind's connector type.
 */
export interface Resolver<Connectors extends ConnectorsOption = ConnectorsOption> extends AsyncDisposable {
  /**
   * The connector for a target. Concurrent resolves of a target share one connector; it is reused while the
   * target's config stays the same and replaced (the old one closing once its calls are done) when it changes.
   */
  resolve<Kind extends ConnectorKind<Connectors>>(
    target: TargetDescriptor<Kind, TargetConfigInput<Connectors, Kind>>,
    options?: CallOptions,
  ): Promise<ResolvedConnector<KindConnector<Connectors, Kind>, Kind>>;
  /** The connector for a target id, a target URI, or a descriptor whose kind is only known at run time. */
  resolve<Kind extends string = string>(
    target: string | UriTargetDescriptor | DynamicTargetDescriptor<Kind>,
    options?: CallOptions,
  ): Promise<ResolvedConnector<HypervisorConnector, ConnectorKind<Connectors>>>;
  /**
   * Validates a target as `resolve` would, without creating a connector: the descriptor, its kind (loading a lazy
   * connector), its config with the factory's own `configSchema` (after `configFromUri` for a URI) and its limits.
   * Returns the descriptor with the config as the schema parsed it. Throws what `resolve` throws:
   * `InvalidTargetConfigError` (INVALID_ARGUMENT, each field in `violations`: `config.tls.fingerprint`),
   * `NoSuchConnectorError`, `UnsupportedConnectorVersionError`. For a server to refuse a bad target when it is
   * written rather than when it is first used.
   */
  validateTarget<Kind extends ConnectorKind<Connectors>>(
    target: TargetDescriptor<Kind, TargetConfigInput<Connectors, Kind>>,
  ): Promise<TargetDescriptor<Kind, TargetConfig<Connectors, Kind>>>;
  /** Validates a URI target, or a descriptor whose kind is only known at run time (a row from storage). */
  validateTarget<Kind extends string = string>(
    target: UriTargetDescriptor | DynamicTargetDescriptor<Kind>,
  ): Promise<TargetDescriptor<ConnectorKind<Connectors>>>;
  /** The `configSchema` of a kind's factory (loading a lazy connector); `NoSuchConnectorError` for an unknown kind. */
  configSchema<Kind extends ConnectorKind<Connectors>>(
    kind: Kind,
  ): Promise<KindFactory<Connectors, Kind>['configSchema']>;
  /** The connector kinds registered, sorted. */
  kinds(): ConnectorKind<Connectors>[];
  /** Adds an event listener; the returned function removes it. */
  subscribe(listener: ResolverEventListener): () => void;
  /** Counters per target and overall. */
  stats(): ResolverStats;
  /** Evicts the connectors idle for longer than `cache.idleTimeoutMs` now (a timer also does it); returns how many. */
  evictIdle(): number;
  /**
   * Evicts the connector of `targetId` at once, for an application that deleted or changed the target: it refuses
   * new calls (UNAVAILABLE, "resolve the target again") and is closed once its calls in flight are done. The next
   * resolve reads the target again and creates a new connector. Resolves when the old one is closed (at once when
   * there is none).
   */
  evict(targetId: string): Promise<void>;
  /** Closes every connector, each once its calls in flight are done. Later resolves fail with UNAVAILABLE. */
  close(): Promise<void>;
}

/**
 * Creates a resolver. The registry's types are kept per kind: each factory's config type (its schema's input for
 * descriptors, its output for `validateTarget`) and connector type, for lazy connectors too.
 *
 * @example
 * const resolver = createResolver({
 *   connectors: { proxmox: () => import('@hvc/hypervisor-connector-proxmox') },
 *   targets: (id) => db.findTarget(id),
 * });
 * const connector = await resolver.resolve('pve-eu-1');
 */
export function createResolver<Connectors extends ConnectorsOption>(
  options: ResolverOptions<Connectors> & { readonly connectors: NoInfer<CheckedConnectors<Connectors>> },
): Resolver<Connectors> {
  // The types per kind are a compile-time view of one implementation that checks everything at run time.
  return new TargetResolver(options) as unknown as Resolver<Connectors>;
}
