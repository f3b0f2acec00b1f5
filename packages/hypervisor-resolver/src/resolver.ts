import {
  type CallOptions,
  type ConnectorFactory,
  type FieldViolation,
  type HypervisorConnector,
  InternalError,
  InvalidArgumentError,
  isHypervisorError,
  parseInput,
  throwIfAborted,
  toHypervisorError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import { ConfigFingerprinter } from './config-fingerprint.js';
import { ConnectorRegistry } from './connector-registry.js';
import { SUPPORTED_SPECIFICATION_VERSIONS } from './factory-check.js';
import { GuardedConnector } from './guarded-connector.js';
import {
  InvalidTargetConfigError,
  TargetNotFoundError,
  UnsupportedConnectorVersionError,
} from './resolver-errors.js';
import { type EvictionReason, type ResolverEventListener, ResolverEvents } from './resolver-events.js';
import {
  type EffectiveGuardLimits,
  type EffectiveResolverLimits,
  effectiveResolverLimits,
  mergeGuardLimits,
} from './resolver-limits.js';
import {
  type EffectiveCacheOptions,
  effectiveCacheOptions,
  type ResolverOptions,
} from './resolver-options.js';
import type { ResolverStats, TargetStats } from './resolver-stats.js';
import { SingleFlight } from './single-flight.js';
import {
  type CheckedDescriptor,
  checkDescriptor,
  isTargetId,
  type TargetInput,
} from './target-descriptor.js';
import { type TargetSource, toTargetSource } from './target-source.js';
import { hasUriParser, uriKind } from './uri-connector-factory.js';

/** A connector handed out by `resolve`: the target's connector behind its guards. */
export interface ResolvedConnector extends HypervisorConnector {
  /** The target it serves. */
  readonly targetId: string;
}

/** Picks, creates, caches and guards one connector per target. */
export interface Resolver extends AsyncDisposable {
  /**
   * The connector for a target id, a target URI or a descriptor. Concurrent resolves of a target share one
   * connector; it is reused while the target's config stays the same and replaced (the old one closing once its
   * calls are done) when it changes.
   */
  resolve(target: TargetInput, options?: CallOptions): Promise<ResolvedConnector>;
  /** The connector kinds registered, sorted. */
  kinds(): string[];
  /** Adds an event listener; the returned function removes it. */
  subscribe(listener: ResolverEventListener): () => void;
  /** Counters per target and overall. */
  stats(): ResolverStats;
  /** Evicts the connectors idle for longer than `cache.idleTimeoutMs` now (a timer also does it); returns how many. */
  evictIdle(): number;
  /** Closes every connector, each once its calls in flight are done. Later resolves fail with UNAVAILABLE. */
  close(): Promise<void>;
}

interface Entry {
  readonly targetId: string;
  readonly kind: string;
  readonly fingerprint: string;
  readonly connector: GuardedConnector;
  readonly createdAt: number;
  lastResolvedAt: number;
  resolves: number;
  closing?: Promise<void>;
}

/**
 * Creates a resolver.
 *
 * @example
 * const resolver = createResolver({
 *   connectors: { proxmox: () => import('@hvc/hypervisor-connector-proxmox') },
 *   targets: (id) => db.findTarget(id),
 * });
 * const connector = await resolver.resolve('pve-eu-1');
 */
export function createResolver(options: ResolverOptions): Resolver {
  return new TargetResolver(options);
}

class TargetResolver implements Resolver {
  readonly #registry: ConnectorRegistry;
  readonly #source: TargetSource;
  readonly #cache: EffectiveCacheOptions;
  readonly #limits: EffectiveResolverLimits;
  readonly #now: () => number;
  readonly #events = new ResolverEvents();
  readonly #fingerprinter = new ConfigFingerprinter();
  readonly #lookups = new SingleFlight<string, CheckedDescriptor>();
  readonly #entries = new Map<string, Entry>();
  readonly #draining = new Set<Entry>();
  readonly #sweeper: NodeJS.Timeout | undefined;
  readonly #evicted: Record<EvictionReason, number> = {
    lru: 0,
    idle: 0,
    'config-changed': 0,
    released: 0,
    'resolver-closed': 0,
  };
  #hits = 0;
  #misses = 0;
  #created = 0;
  #closed = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ResolverOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('invalid resolver options: expected an object', {
        violations: [{ field: '', message: 'expected an object' }],
      });
    }
    this.#registry = new ConnectorRegistry(options.connectors);
    this.#source = toTargetSource(options.targets);
    this.#cache = effectiveCacheOptions(options.cache);
    this.#limits = effectiveResolverLimits(options.limits);
    this.#now = options.clock ?? Date.now;
    if (options.onEvent !== undefined) this.#events.subscribe(options.onEvent);
    const idle = this.#cache.idleTimeoutMs;
    if (idle !== false) {
      this.#sweeper = setInterval(() => this.evictIdle(), Math.max(1_000, Math.min(idle / 2, 60_000)));
      this.#sweeper.unref();
    }
  }

  kinds(): string[] {
    return this.#registry.kinds();
  }

  subscribe(listener: ResolverEventListener): () => void {
    return this.#events.subscribe(listener);
  }

  async resolve(target: TargetInput, options: CallOptions = {}): Promise<ResolvedConnector> {
    const { signal } = options;
    this.#assertOpen();
    throwIfAborted(signal);
    if (typeof target !== 'string')
      return this.#resolveDescriptor(checkDescriptor(target, '(descriptor)'), signal);
    if (uriKind(target) !== undefined)
      return this.#resolveDescriptor(checkDescriptor({ uri: target }, '(uri)'), signal);
    if (!isTargetId(target)) {
      throw new InvalidArgumentError('invalid target id', {
        violations: [{ field: 'id', message: 'expected 1 to 256 printable characters' }],
      });
    }
    const descriptor = await this.#lookups.run(
      target,
      (lookupSignal) => this.#lookup(target, lookupSignal),
      signal,
    );
    return this.#resolveDescriptor(descriptor, signal);
  }

  stats(): ResolverStats {
    const row = (entry: Entry, status: TargetStats['status']): TargetStats => ({
      targetId: entry.targetId,
      kind: entry.kind,
      status,
      fingerprint: entry.fingerprint,
      resolves: entry.resolves,
      createdAt: entry.createdAt,
      lastUsedAt: lastUsed(entry),
      ...entry.connector.stats(),
    });
    return {
      targets: [
        ...[...this.#entries.values()].map((entry) => row(entry, 'active')),
        ...[...this.#draining].map((entry) => row(entry, 'draining')),
      ],
      hits: this.#hits,
      misses: this.#misses,
      created: this.#created,
      evicted: { ...this.#evicted },
      closed: this.#closed,
    };
  }

  evictIdle(): number {
    const idle = this.#cache.idleTimeoutMs;
    if (idle === false) return 0;
    const now = this.#now();
    let evicted = 0;
    for (const entry of [...this.#entries.values()]) {
      if (entry.connector.inFlight === 0 && now - lastUsed(entry) >= idle) {
        void this.#retire(entry, 'idle');
        evicted += 1;
      }
    }
    return evicted;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
      for (const entry of [...this.#entries.values()]) void this.#retire(entry, 'resolver-closed');
      await Promise.all([...this.#draining].map((entry) => entry.closing));
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new UnavailableError('the resolver is closed', {
        retryable: false,
        details: { reason: 'resolver-closed' },
      });
    }
  }

  async #lookup(targetId: string, signal: AbortSignal): Promise<CheckedDescriptor> {
    let found: unknown;
    try {
      found = await this.#source(targetId, { signal });
    } catch (error) {
      if (signal.aborted) throwIfAborted(signal);
      throw toHypervisorError(error, targetId);
    }
    if (found === undefined || found === null) throw new TargetNotFoundError(targetId);
    // A URI descriptor from the source may leave its id out: it is the id asked for.
    const withId =
      typeof found === 'object' && (found as { id?: unknown }).id === undefined
        ? { ...found, id: targetId }
        : found;
    const descriptor = checkDescriptor(withId, targetId);
    if (descriptor.id !== targetId) {
      throw new InvalidTargetConfigError(targetId, [
        { field: 'id', message: 'the target source returned a descriptor with another id' },
      ]);
    }
    return descriptor;
  }

  async #resolveDescriptor(
    descriptor: CheckedDescriptor,
    signal: AbortSignal | undefined,
  ): Promise<ResolvedConnector> {
    const factory = await this.#registry.get(descriptor.kind);
    throwIfAborted(signal);
    this.#assertOpen();
    // From here on nothing awaits, so concurrent resolves of one target cannot create two connectors.
    const config = this.#validConfig(descriptor, factory);
    const limits = this.#targetLimits(descriptor);
    const fingerprint = this.#fingerprinter.fingerprint([descriptor.kind, config, limits]);
    const cached = this.#entries.get(descriptor.id);
    if (cached !== undefined && cached.fingerprint === fingerprint) {
      this.#hits += 1;
      cached.resolves += 1;
      cached.lastResolvedAt = this.#now();
      this.#events.emit({ type: 'resolve', targetId: cached.targetId, kind: cached.kind, outcome: 'hit' });
      return cached.connector;
    }
    this.#misses += 1;
    const outcome = cached === undefined ? 'miss' : 'config-changed';
    this.#events.emit({ type: 'resolve', targetId: descriptor.id, kind: descriptor.kind, outcome });
    const entry = this.#create(descriptor, factory, config, limits, fingerprint);
    this.#entries.set(entry.targetId, entry);
    this.#created += 1;
    this.#events.emit({
      type: 'create',
      targetId: entry.targetId,
      kind: entry.kind,
      fingerprint,
      reason: cached === undefined ? 'new' : 'config-changed',
    });
    if (cached !== undefined) void this.#retire(cached, 'config-changed');
    this.#evictOverflow();
    return entry.connector;
  }

  #validConfig(descriptor: CheckedDescriptor, factory: ConnectorFactory): unknown {
    let input: unknown;
    if (descriptor.form === 'config') input = descriptor.config;
    else {
      if (!hasUriParser(factory)) {
        throw new InvalidTargetConfigError(descriptor.id, [
          { field: 'uri', message: `the "${factory.kind}" connector does not accept target URIs` },
        ]);
      }
      input = asTargetConfigError(descriptor.id, 'uri', () =>
        factory.configFromUri(
          descriptor.uri,
          descriptor.secret === undefined ? {} : { secret: descriptor.secret },
        ),
      );
    }
    return asTargetConfigError(descriptor.id, 'config', () =>
      parseInput(factory.configSchema, input, `config of target "${descriptor.id}"`),
    );
  }

  #targetLimits(descriptor: CheckedDescriptor): EffectiveGuardLimits {
    const violations: FieldViolation[] = [];
    const limits = mergeGuardLimits(this.#limits, descriptor.limits, 'limits', violations);
    if (violations.length > 0) throw new InvalidTargetConfigError(descriptor.id, violations);
    return limits;
  }

  #create(
    descriptor: CheckedDescriptor,
    factory: ConnectorFactory,
    config: unknown,
    limits: EffectiveGuardLimits,
    fingerprint: string,
  ): Entry {
    const targetId = descriptor.id;
    let inner: HypervisorConnector;
    try {
      inner = factory.create(config, { targetId });
    } catch (error) {
      throw toHypervisorError(error, targetId);
    }
    const version = String(inner.specificationVersion);
    if (!SUPPORTED_SPECIFICATION_VERSIONS.includes(version) || inner.kind !== factory.kind) {
      void inner.close().catch(() => {});
      if (inner.kind !== factory.kind) {
        throw new InternalError(`the "${factory.kind}" factory created a "${String(inner.kind)}" connector`, {
          target: targetId,
        });
      }
      throw new UnsupportedConnectorVersionError(factory.kind, version, SUPPORTED_SPECIFICATION_VERSIONS, {
        target: targetId,
      });
    }
    const now = this.#now();
    const entry: Entry = {
      targetId,
      kind: factory.kind,
      fingerprint,
      createdAt: now,
      lastResolvedAt: now,
      resolves: 1,
      connector: new GuardedConnector({
        targetId,
        inner,
        limits,
        wait: this.#limits.wait,
        now: this.#now,
        onBreakerChange: (transition) =>
          this.#events.emit({ type: 'breaker', targetId, kind: factory.kind, ...transition }),
        release: () => this.#retire(entry, 'released'),
      }),
    };
    return entry;
  }

  #evictOverflow(): void {
    while (this.#entries.size > this.#cache.maxEntries) {
      let oldest: Entry | undefined;
      for (const entry of this.#entries.values()) {
        if (oldest === undefined || lastUsed(entry) < lastUsed(oldest)) oldest = entry;
      }
      if (oldest === undefined) return;
      void this.#retire(oldest, 'lru');
    }
  }

  /** Takes `entry` out of service and closes its connector once drained (or when the drain timeout ends). */
  #retire(entry: Entry, reason: EvictionReason): Promise<void> {
    if (entry.closing !== undefined) return entry.closing;
    const { connector } = entry;
    connector.retire(reason);
    if (this.#entries.get(entry.targetId) === entry) this.#entries.delete(entry.targetId);
    this.#draining.add(entry);
    this.#evicted[reason] += 1;
    this.#events.emit({
      type: 'evict',
      targetId: entry.targetId,
      kind: entry.kind,
      reason,
      inFlight: connector.inFlight,
    });
    entry.closing = (async () => {
      const forced = await drainWithin(connector, this.#limits.drainTimeoutMs);
      let errorCode: string | undefined;
      try {
        await connector.inner.close();
      } catch (error) {
        errorCode = isHypervisorError(error) ? error.code : 'INTERNAL';
      }
      this.#draining.delete(entry);
      this.#closed += 1;
      this.#events.emit({
        type: 'close',
        targetId: entry.targetId,
        kind: entry.kind,
        reason,
        forced,
        ...(errorCode === undefined ? {} : { errorCode }),
      });
    })();
    return entry.closing;
  }
}

/** When an entry was last resolved or called. */
function lastUsed(entry: Entry): number {
  return Math.max(entry.lastResolvedAt, entry.connector.lastUsedAt);
}

/** Waits until `connector` has no call in flight or `timeoutMs` passed; true when the time ran out. */
async function drainWithin(connector: GuardedConnector, timeoutMs: number): Promise<boolean> {
  if (connector.inFlight === 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  try {
    return await Promise.race([connector.drained().then(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `parse`; INVALID_ARGUMENT becomes {@link InvalidTargetConfigError} with fields under `prefix`. */
function asTargetConfigError<T>(targetId: string, prefix: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!isHypervisorError(error, 'INVALID_ARGUMENT')) throw error;
    const given = (error as { violations?: readonly FieldViolation[] }).violations ?? [];
    const violations = given.length > 0 ? given : [{ field: '', message: error.message }];
    throw new InvalidTargetConfigError(
      targetId,
      violations.map((v) => ({ field: v.field ? `${prefix}.${v.field}` : prefix, message: v.message })),
      { cause: error },
    );
  }
}
