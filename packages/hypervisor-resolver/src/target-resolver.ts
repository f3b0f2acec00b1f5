import {
  type CallOptions,
  type ConnectorFactory,
  type HypervisorConnector,
  InternalError,
  InvalidArgumentError,
  toHypervisorError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import { SingleFlight, throwIfAborted } from '@hvc/hypervisor-connector-kit';
import { ConfigFingerprinter } from './config-fingerprint.js';
import { type CacheEntry, ConnectorCache, lastUsed } from './connector-cache.js';
import { uriKind } from './connector-kind.js';
import { ConnectorRegistry } from './connector-registry.js';
import { SUPPORTED_SPECIFICATION_VERSIONS } from './factory-check.js';
import { guardedConnector, type ResolvedConnector } from './resolved-connector.js';
import {
  InvalidTargetConfigError,
  TargetNotFoundError,
  UnsupportedConnectorVersionError,
} from './resolver-errors.js';
import { type ResolverEventListener, ResolverEvents } from './resolver-events.js';
import {
  type EffectiveGuardLimits,
  type EffectiveResolverLimits,
  effectiveResolverLimits,
} from './resolver-limits.js';
import { effectiveCacheOptions, type ResolverOptions } from './resolver-options.js';
import type { ResolverStats, TargetStats } from './resolver-stats.js';
import { validTargetConfig } from './target-config.js';
import {
  type CheckedDescriptor,
  checkDescriptor,
  isTargetId,
  type TargetDescriptor,
  type TargetInput,
  type UriTargetDescriptor,
} from './target-descriptor.js';
import { TargetGuards } from './target-guards.js';
import { type TargetSource, toTargetSource } from './target-source.js';

/** A target's config as its factory validated it, with the guard limits and the fingerprint of both. */
interface ValidatedTarget {
  readonly factory: ConnectorFactory;
  readonly config: unknown;
  readonly limits: EffectiveGuardLimits;
  readonly fingerprint: string;
}

/**
 * The resolver behind `createResolver`, without the types per kind: everything it is given is checked at run time.
 */
export class TargetResolver {
  readonly #registry: ConnectorRegistry;
  readonly #source: TargetSource;
  readonly #limits: EffectiveResolverLimits;
  readonly #now: () => number;
  readonly #events = new ResolverEvents();
  readonly #fingerprinter = new ConfigFingerprinter();
  readonly #lookups = new SingleFlight<string, CheckedDescriptor>();
  /** Frozen descriptors from the source, checked: the same object again is the same target, not checked again. */
  readonly #checked = new WeakMap<object, CheckedDescriptor>();
  /** Each checked descriptor's validated config and its fingerprint, for the factory that validated it. */
  readonly #validated = new WeakMap<CheckedDescriptor, ValidatedTarget>();
  readonly #cache: ConnectorCache;
  readonly #sweeper: NodeJS.Timeout | undefined;
  #hits = 0;
  #misses = 0;
  #created = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ResolverOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('invalid resolver options: expected an object', {
        violations: [{ field: '', message: 'expected an object' }],
      });
    }
    this.#registry = new ConnectorRegistry(options.connectors);
    this.#source = toTargetSource(options.targets);
    this.#limits = effectiveResolverLimits(options.limits);
    this.#now = options.clock ?? Date.now;
    const cache = effectiveCacheOptions(options.cache);
    this.#cache = new ConnectorCache({
      ...cache,
      drainTimeoutMs: this.#limits.drainTimeoutMs,
      now: this.#now,
      events: this.#events,
    });
    if (options.onEvent !== undefined) this.#events.subscribe(options.onEvent);
    const idle = cache.idleTimeoutMs;
    if (idle !== false) {
      this.#sweeper = setInterval(() => this.evictIdle(), Math.max(1_000, Math.min(idle / 2, 60_000)));
      this.#sweeper.unref();
    }
  }

  kinds(): string[] {
    return this.#registry.kinds();
  }

  async validateTarget(target: TargetDescriptor | UriTargetDescriptor): Promise<TargetDescriptor> {
    const descriptor = checkDescriptor(target, '(descriptor)');
    const factory = await this.#registry.get(descriptor.kind);
    const { config } = validTargetConfig(descriptor, factory, this.#limits);
    const { id, kind, limits } = descriptor;
    return limits === undefined ? { id, kind, config } : { id, kind, config, limits };
  }

  async configSchema(kind: string): Promise<ConnectorFactory['configSchema']> {
    return (await this.#registry.get(kind)).configSchema;
  }

  subscribe(listener: ResolverEventListener): () => void {
    return this.#events.subscribe(listener);
  }

  async resolve(target: TargetInput, options: CallOptions = {}): Promise<ResolvedConnector> {
    const { signal } = options;
    this.#assertOpen();
    throwIfAborted(signal);
    if (typeof target !== 'string') {
      return this.#resolveDescriptor(checkDescriptor(target, '(descriptor)'), signal);
    }
    if (uriKind(target) !== undefined) {
      return this.#resolveDescriptor(checkDescriptor({ uri: target }, '(uri)'), signal);
    }
    if (!isTargetId(target)) {
      throw new InvalidArgumentError('invalid target id', {
        violations: [{ field: 'id', message: 'expected 1 to 256 printable characters' }],
      });
    }
    const descriptor = await this.#lookups.run(target, (lookup) => this.#lookup(target, lookup), signal);
    return this.#resolveDescriptor(descriptor, signal);
  }

  stats(): ResolverStats {
    const row = (entry: CacheEntry, status: TargetStats['status']): TargetStats => ({
      targetId: entry.targetId,
      kind: entry.kind,
      status,
      fingerprint: entry.fingerprint,
      resolves: entry.resolves,
      createdAt: entry.createdAt,
      lastUsedAt: lastUsed(entry),
      ...entry.guards.stats(),
    });
    const { active, draining } = this.#cache.entries();
    return {
      targets: [...active.map((e) => row(e, 'active')), ...draining.map((e) => row(e, 'draining'))],
      hits: this.#hits,
      misses: this.#misses,
      created: this.#created,
      ...this.#cache.counters(),
    };
  }

  evictIdle(): number {
    return this.#cache.evictIdle();
  }

  evict(targetId: string): Promise<void> {
    const entry = this.#cache.get(targetId);
    return entry === undefined ? Promise.resolve() : this.#cache.retire(entry, 'invalidated');
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
      await this.#cache.closeAll();
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
      throwIfAborted(signal);
      throw toHypervisorError(error, targetId);
    }
    if (found === undefined || found === null) {
      // The target is gone: its connector must not serve the calls already resolved, nor a later target of that id.
      const stale = this.#cache.get(targetId);
      if (stale !== undefined) void this.#cache.retire(stale, 'target-gone');
      throw new TargetNotFoundError(targetId);
    }
    const frozen = typeof found === 'object' && Object.isFrozen(found);
    if (frozen) {
      const known = this.#checked.get(found);
      if (known !== undefined) return known;
    }
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
    if (frozen) this.#checked.set(found, descriptor);
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
    let valid = this.#validated.get(descriptor);
    if (valid === undefined || valid.factory !== factory) {
      const { config, limits } = validTargetConfig(descriptor, factory, this.#limits);
      valid = {
        factory,
        config,
        limits,
        fingerprint: this.#fingerprinter.fingerprint([descriptor.kind, config, limits]),
      };
      this.#validated.set(descriptor, valid);
    }
    const { config, limits, fingerprint } = valid;
    const { id: targetId, kind } = descriptor;
    const cached = this.#cache.get(targetId);
    if (cached !== undefined && cached.fingerprint === fingerprint) {
      this.#hits += 1;
      cached.resolves += 1;
      cached.lastResolvedAt = this.#now();
      this.#events.emit({ type: 'resolve', targetId, kind, outcome: 'hit' });
      return cached.connector;
    }
    this.#misses += 1;
    this.#events.emit({ type: 'resolve', targetId, kind, outcome: cached ? 'config-changed' : 'miss' });
    const now = this.#now();
    const guards = this.#createGuards(targetId, factory, config, limits, () =>
      this.#cache.retire(entry, 'released'),
    );
    const entry: CacheEntry = {
      targetId,
      kind,
      fingerprint,
      connector: guardedConnector(guards),
      guards,
      createdAt: now,
      lastResolvedAt: now,
      resolves: 1,
    };
    this.#created += 1;
    this.#events.emit({
      type: 'create',
      targetId,
      kind,
      fingerprint,
      reason: cached ? 'config-changed' : 'new',
    });
    this.#cache.add(entry);
    return entry.connector;
  }

  /** The factory's connector for the target, checked, behind the target's guards. */
  #createGuards(
    targetId: string,
    factory: ConnectorFactory,
    config: unknown,
    limits: EffectiveGuardLimits,
    release: () => Promise<void>,
  ): TargetGuards {
    let inner: HypervisorConnector;
    try {
      inner = factory.create(config, { targetId });
    } catch (error) {
      throw toHypervisorError(error, targetId);
    }
    const version = String(inner.specificationVersion);
    if (inner.kind !== factory.kind || !SUPPORTED_SPECIFICATION_VERSIONS.includes(version)) {
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
    return new TargetGuards({
      targetId,
      inner,
      limits,
      wait: this.#limits.wait,
      now: this.#now,
      onBreakerChange: (transition) =>
        this.#events.emit({ type: 'breaker', targetId, kind: factory.kind, ...transition }),
      release,
    });
  }
}
