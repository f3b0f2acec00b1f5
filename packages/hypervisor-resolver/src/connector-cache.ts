import { isHypervisorError } from '@hvc/hypervisor-connector';
import type { ResolvedConnector } from './resolved-connector.js';
import type { EvictionReason, ResolverEvents } from './resolver-events.js';
import type { TargetGuards } from './target-guards.js';

/** One cached connector and what the cache knows about it. */
export interface CacheEntry {
  readonly targetId: string;
  readonly kind: string;
  /** The fingerprint of the config (and guard limits) it was created with. */
  readonly fingerprint: string;
  /** The connector handed out. */
  readonly connector: ResolvedConnector;
  /** Its guards, which hold the connector behind them. */
  readonly guards: TargetGuards;
  readonly createdAt: number;
  lastResolvedAt: number;
  /** Resolves answered with it. */
  resolves: number;
  /** Set once it is retired: settles when it is closed. */
  closing?: Promise<void>;
}

/** Limits and collaborators of a {@link ConnectorCache}. */
export interface ConnectorCacheOptions {
  readonly maxEntries: number;
  readonly idleTimeoutMs: number | false;
  readonly drainTimeoutMs: number;
  readonly now: () => number;
  readonly events: ResolverEvents;
}

/**
 * The connectors of a resolver, one per target id: least-recently-used eviction beyond `maxEntries`, idle eviction,
 * and retirement — a retired connector refuses new calls, leaves the cache, and is closed once its calls in flight
 * are done (or when the drain timeout ends).
 */
export class ConnectorCache {
  readonly #options: ConnectorCacheOptions;
  readonly #entries = new Map<string, CacheEntry>();
  readonly #draining = new Set<CacheEntry>();
  readonly #evicted: Record<EvictionReason, number> = {
    lru: 0,
    idle: 0,
    'config-changed': 0,
    released: 0,
    invalidated: 0,
    'target-gone': 0,
    'resolver-closed': 0,
  };
  #closed = 0;

  constructor(options: ConnectorCacheOptions) {
    this.#options = options;
  }

  /** The entry serving `targetId`, if any. */
  get(targetId: string): CacheEntry | undefined {
    return this.#entries.get(targetId);
  }

  /** Adds `entry`, retiring the one it replaces and evicting the least recently used beyond the limit. */
  add(entry: CacheEntry): void {
    const replaced = this.#entries.get(entry.targetId);
    this.#entries.set(entry.targetId, entry);
    if (replaced !== undefined) void this.retire(replaced, 'config-changed');
    while (this.#entries.size > this.#options.maxEntries) {
      let oldest: CacheEntry | undefined;
      for (const candidate of this.#entries.values()) {
        if (oldest === undefined || lastUsed(candidate) < lastUsed(oldest)) oldest = candidate;
      }
      if (oldest === undefined) return;
      void this.retire(oldest, 'lru');
    }
  }

  /** Evicts the entries with no call in flight nor stream open, unused for `idleTimeoutMs`; returns how many. */
  evictIdle(): number {
    const idle = this.#options.idleTimeoutMs;
    if (idle === false) return 0;
    const now = this.#options.now();
    let evicted = 0;
    for (const entry of [...this.#entries.values()]) {
      const { guards } = entry;
      if (guards.inFlight === 0 && guards.openStreams === 0 && now - lastUsed(entry) >= idle) {
        void this.retire(entry, 'idle');
        evicted += 1;
      }
    }
    return evicted;
  }

  /** Retires every entry and resolves when all connectors, draining ones included, are closed. */
  async closeAll(): Promise<void> {
    for (const entry of [...this.#entries.values()]) void this.retire(entry, 'resolver-closed');
    await Promise.all([...this.#draining].map((entry) => entry.closing));
  }

  /** Takes `entry` out of service and closes its connector once drained. Idempotent. */
  retire(entry: CacheEntry, reason: EvictionReason): Promise<void> {
    if (entry.closing !== undefined) return entry.closing;
    const { guards } = entry;
    guards.retire(reason);
    if (this.#entries.get(entry.targetId) === entry) this.#entries.delete(entry.targetId);
    this.#draining.add(entry);
    this.#evicted[reason] += 1;
    const { targetId, kind } = entry;
    this.#options.events.emit({ type: 'evict', targetId, kind, reason, inFlight: guards.inFlight });
    entry.closing = (async () => {
      const forced = await drainWithin(guards, this.#options.drainTimeoutMs);
      let errorCode: string | undefined;
      try {
        await guards.inner.close();
      } catch (error) {
        errorCode = isHypervisorError(error) ? error.code : 'INTERNAL';
      }
      this.#draining.delete(entry);
      this.#closed += 1;
      this.#options.events.emit({
        type: 'close',
        targetId,
        kind,
        reason,
        forced,
        ...(errorCode === undefined ? {} : { errorCode }),
      });
    })();
    return entry.closing;
  }

  /** Active entries, then draining ones. */
  entries(): { readonly active: CacheEntry[]; readonly draining: CacheEntry[] } {
    return { active: [...this.#entries.values()], draining: [...this.#draining] };
  }

  /** Evictions by reason and connectors closed so far. */
  counters(): { readonly evicted: Readonly<Record<EvictionReason, number>>; readonly closed: number } {
    return { evicted: { ...this.#evicted }, closed: this.#closed };
  }
}

/** When an entry was last resolved or called. */
export function lastUsed(entry: CacheEntry): number {
  return Math.max(entry.lastResolvedAt, entry.guards.lastUsedAt);
}

/** Waits until `guards` have no call in flight or `timeoutMs` passed; true when the time ran out. */
async function drainWithin(guards: TargetGuards, timeoutMs: number): Promise<boolean> {
  if (guards.inFlight === 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  try {
    return await Promise.race([guards.drained().then(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
