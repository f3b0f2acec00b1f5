import diagnosticsChannel from 'node:diagnostics_channel';
import type { BreakerState } from './circuit-breaker.js';

/**
 * Why a connector left the cache: `invalidated` when the application evicted its target (deleted or changed it),
 * `target-gone` when the target source no longer knew the target.
 */
export type EvictionReason =
  | 'lru'
  | 'idle'
  | 'config-changed'
  | 'released'
  | 'invalidated'
  | 'target-gone'
  | 'resolver-closed';

/** A `resolve` call found its answer: in the cache (`hit`), nowhere (`miss`), or cached with an old config. */
export interface ResolveEvent {
  readonly type: 'resolve';
  readonly targetId: string;
  readonly kind: string;
  readonly outcome: 'hit' | 'miss' | 'config-changed';
}

/** A connector was created for a target. */
export interface CreateEvent {
  readonly type: 'create';
  readonly targetId: string;
  readonly kind: string;
  /** A keyed digest of the validated config: equal configs, equal fingerprints; it reveals nothing of the config. */
  readonly fingerprint: string;
  readonly reason: 'new' | 'config-changed';
}

/** A connector left the cache; it closes once its in-flight calls are done (a `close` event follows). */
export interface EvictEvent {
  readonly type: 'evict';
  readonly targetId: string;
  readonly kind: string;
  readonly reason: EvictionReason;
  /** Calls still in flight on it. */
  readonly inFlight: number;
}

/** A connector that left the cache was closed. */
export interface CloseEvent {
  readonly type: 'close';
  readonly targetId: string;
  readonly kind: string;
  readonly reason: EvictionReason;
  /** Whether the drain timeout ran out with calls still in flight. */
  readonly forced: boolean;
  /** The error code when the connector's `close()` failed. */
  readonly errorCode?: string;
}

/** A target's circuit breaker changed state. */
export interface BreakerEvent {
  readonly type: 'breaker';
  readonly targetId: string;
  readonly kind: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: string;
  readonly consecutiveFailures: number;
}

/** Everything a resolver reports. Events carry no config values and no secrets. */
export type ResolverEvent = ResolveEvent | CreateEvent | EvictEvent | CloseEvent | BreakerEvent;

/** A function told about resolver events. It must not throw; if it does, the error becomes a process warning. */
export type ResolverEventListener = (event: ResolverEvent) => void;

/** The `node:diagnostics_channel` names the resolver publishes its events on, by event type. */
export const RESOLVER_CHANNELS = {
  resolve: 'hvc:resolver:resolve',
  create: 'hvc:resolver:create',
  evict: 'hvc:resolver:evict',
  close: 'hvc:resolver:close',
  breaker: 'hvc:resolver:breaker',
} as const satisfies Record<ResolverEvent['type'], string>;

const channels = {
  resolve: diagnosticsChannel.channel(RESOLVER_CHANNELS.resolve),
  create: diagnosticsChannel.channel(RESOLVER_CHANNELS.create),
  evict: diagnosticsChannel.channel(RESOLVER_CHANNELS.evict),
  close: diagnosticsChannel.channel(RESOLVER_CHANNELS.close),
  breaker: diagnosticsChannel.channel(RESOLVER_CHANNELS.breaker),
};

/** Delivers events to listeners and to the diagnostics channels. */
export class ResolverEvents {
  readonly #listeners = new Set<ResolverEventListener>();

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: ResolverEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener and the event's channel. */
  emit(event: ResolverEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // An observer must not break the call it observes.
        process.emitWarning(error instanceof Error ? error : String(error), {
          code: 'HVC_RESOLVER_LISTENER',
        });
      }
    }
    const channel = channels[event.type];
    if (channel.hasSubscribers) channel.publish(event);
  }
}
