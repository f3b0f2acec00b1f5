import type { EvictionReason } from './resolver-events.js';
import type { GuardStats } from './target-guards.js';

/** One connector the resolver holds: serving its target, or draining before it closes. */
export interface TargetStats extends GuardStats {
  readonly targetId: string;
  readonly kind: string;
  /** `active` serves resolves; `draining` was replaced or evicted and closes once its calls are done. */
  readonly status: 'active' | 'draining';
  /** The config fingerprint (a keyed digest that reveals nothing of the config). */
  readonly fingerprint: string;
  /** Resolves answered with this connector. */
  readonly resolves: number;
  /** When it was created, by the resolver's clock. */
  readonly createdAt: number;
  /** When it was last resolved or called, by the resolver's clock. */
  readonly lastUsedAt: number;
}

/** What `stats()` reports. */
export interface ResolverStats {
  /** One row per connector held, active ones first. */
  readonly targets: readonly TargetStats[];
  /** Resolves answered from the cache. */
  readonly hits: number;
  /** Resolves that created a connector (new target or changed config). */
  readonly misses: number;
  /** Connectors created. */
  readonly created: number;
  /** Connectors evicted, by reason. */
  readonly evicted: Readonly<Record<EvictionReason, number>>;
  /** Connectors closed. */
  readonly closed: number;
}
