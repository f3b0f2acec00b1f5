import type { ConnectorsOption } from './connector-types.js';
import type { ResolverEventListener } from './resolver-events.js';
import type { ResolverLimits } from './resolver-limits.js';
import { throwIfAny } from './resolver-limits.js';
import type { TargetsOption } from './target-source.js';

/** How many connectors the resolver keeps, and for how long. */
export interface CacheOptions {
  /** Connectors kept at most; creating one more evicts the least recently used. Default 1 000. */
  readonly maxEntries?: number;
  /**
   * A connector with no call in flight and none for this long is evicted (and closed); `false` keeps connectors
   * until LRU eviction or `close()`. Default 900 000 ms (15 minutes).
   */
  readonly idleTimeoutMs?: number | false;
}

/** The options of `createResolver`; `Connectors` is the registry, whose types the resolver keeps per kind. */
export interface ResolverOptions<Connectors extends ConnectorsOption = ConnectorsOption> {
  /** Connector factories by kind, eager or lazy. */
  readonly connectors: Connectors;
  /** The targets: a fixed list of descriptors typed per kind, or a source to look them up in (a database, say). */
  readonly targets?: TargetsOption<NoInfer<Connectors>>;
  readonly cache?: CacheOptions;
  /** Guard defaults for every target, drain and wait limits. */
  readonly limits?: ResolverLimits;
  /** Told about every resolver event; more listeners can `subscribe` later. */
  readonly onEvent?: ResolverEventListener;
  /** Milliseconds now, for idle times and the circuit breaker. Default `Date.now`; tests pass a manual clock. */
  readonly clock?: () => number;
}

/** Cache options with defaults filled in. */
export interface EffectiveCacheOptions {
  readonly maxEntries: number;
  readonly idleTimeoutMs: number | false;
}

/** `cache` with defaults filled in. Throws INVALID_ARGUMENT naming each bad field. */
export function effectiveCacheOptions(cache: CacheOptions | undefined): EffectiveCacheOptions {
  const maxEntries = cache?.maxEntries ?? 1_000;
  const idleTimeoutMs = cache?.idleTimeoutMs ?? 900_000;
  const violations = [];
  if (cache !== undefined && (typeof cache !== 'object' || cache === null)) {
    violations.push({ field: 'cache', message: 'expected an object' });
  }
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    violations.push({ field: 'cache.maxEntries', message: 'expected an integer >= 1' });
  }
  if (idleTimeoutMs !== false && (!Number.isSafeInteger(idleTimeoutMs) || idleTimeoutMs < 1)) {
    violations.push({ field: 'cache.idleTimeoutMs', message: 'expected an integer >= 1, or false' });
  }
  throwIfAny(violations, 'resolver options');
  return { maxEntries, idleTimeoutMs };
}
