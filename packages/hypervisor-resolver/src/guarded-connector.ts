import {
  type CallOptions,
  type Capabilities,
  type CloneSpecInput,
  type ConsoleRequest,
  type ConsoleTicket,
  type Guest,
  type GuestFilter,
  type GuestPatch,
  type GuestSpecInput,
  type HostNode,
  type HypervisorConnector,
  isHypervisorError,
  type MetricSeries,
  type MetricsRequestInput,
  type MigrateSpec,
  type Operation,
  type Snapshot,
  type SnapshotSpecInput,
  type SpecificationVersion,
  type TargetInfo,
  UnavailableError,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { ConcurrencyLimiter } from '@hvc/hypervisor-connector-kit';
import { CallTracker } from './call-tracker.js';
import {
  type BreakerPermit,
  type BreakerSnapshot,
  type BreakerTransition,
  type CallOutcome,
  CircuitBreaker,
} from './circuit-breaker.js';
import { pollOperation } from './operation-poller.js';
import type { EvictionReason } from './resolver-events.js';
import type { EffectiveGuardLimits, WaitLimits } from './resolver-limits.js';

/** What a {@link GuardedConnector} is built from. */
export interface GuardedConnectorOptions {
  readonly targetId: string;
  readonly inner: HypervisorConnector;
  readonly limits: EffectiveGuardLimits;
  readonly wait: Required<WaitLimits>;
  /** The clock of the breaker and of idle times. */
  readonly now: () => number;
  readonly onBreakerChange: (transition: BreakerTransition) => void;
  /** Called by `close()`: the resolver retires the connector and closes the inner one once drained. */
  readonly release: () => Promise<void>;
}

/** One resolved connector's counters. */
export interface GuardStats {
  /** Calls started (fail-fast rejections included). */
  readonly calls: number;
  /** Calls that ended in an error, whatever its origin. */
  readonly failures: number;
  /** Calls refused by the guards: breaker open or queue full. */
  readonly rejected: number;
  /** Calls in flight (running, queued or waiting on an operation). */
  readonly inFlight: number;
  /** Calls holding a concurrency slot. */
  readonly running: number;
  /** Calls waiting for a slot. */
  readonly queued: number;
  /** The breaker's state and counters; absent when the breaker is off. */
  readonly breaker?: BreakerSnapshot;
}

/**
 * The connector `resolve` hands out: the target's connector behind its guards. Every call passes the circuit
 * breaker (fails fast with UNAVAILABLE while open), then takes a slot of the concurrency cap (or waits in the bounded
 * queue; UNAVAILABLE when it is full). Errors from the connector pass through unchanged. `waitForOperation` holds a
 * slot only while it polls (see `pollOperation`). Once the resolver retires it (config changed, evicted, closed),
 * new calls fail with UNAVAILABLE (retryable: resolve the target again) while calls in flight finish.
 */
export class GuardedConnector implements HypervisorConnector {
  /** The target this connector serves. */
  readonly targetId: string;
  readonly specificationVersion: SpecificationVersion;
  readonly kind: string;
  readonly #inner: HypervisorConnector;
  readonly #limiter: ConcurrencyLimiter;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #tracker = new CallTracker();
  readonly #wait: Required<WaitLimits>;
  readonly #now: () => number;
  readonly #release: () => Promise<void>;
  #retired: EvictionReason | undefined;
  #lastUsedAt: number;
  #calls = 0;
  #failures = 0;
  #rejected = 0;

  constructor(options: GuardedConnectorOptions) {
    this.targetId = options.targetId;
    this.#inner = options.inner;
    this.specificationVersion = options.inner.specificationVersion;
    this.kind = options.inner.kind;
    this.#limiter = new ConcurrencyLimiter(options.limits.maxConcurrentCalls, {
      maxQueued: options.limits.maxQueuedCalls,
      target: options.targetId,
    });
    this.#breaker =
      options.limits.breaker === false
        ? undefined
        : new CircuitBreaker(options.limits.breaker, options.targetId, options.now, options.onBreakerChange);
    this.#wait = options.wait;
    this.#now = options.now;
    this.#release = options.release;
    this.#lastUsedAt = options.now();
  }

  get capabilities(): Capabilities {
    return this.#inner.capabilities;
  }

  /** The connector behind the guards, for the resolver's own use. */
  get inner(): HypervisorConnector {
    return this.#inner;
  }

  /** When a call last started or ended. */
  get lastUsedAt(): number {
    return this.#lastUsedAt;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** Refuses new calls from now on; calls in flight go on. */
  retire(reason: EvictionReason): void {
    this.#retired ??= reason;
  }

  /** Resolves once no call is in flight. */
  drained(): Promise<void> {
    return this.#tracker.drained();
  }

  /** Counters for stats. */
  stats(): GuardStats {
    return {
      calls: this.#calls,
      failures: this.#failures,
      rejected: this.#rejected,
      inFlight: this.#tracker.inFlight,
      running: this.#limiter.active,
      queued: this.#limiter.queued,
      ...(this.#breaker === undefined ? {} : { breaker: this.#breaker.snapshot() }),
    };
  }

  describe(options?: CallOptions): Promise<TargetInfo> {
    return this.#call(options, () => this.#inner.describe(options));
  }
  listNodes(options?: CallOptions): Promise<HostNode[]> {
    return this.#call(options, () => this.#inner.listNodes(options));
  }
  listGuests(filter?: GuestFilter, options?: CallOptions): Promise<Guest[]> {
    return this.#call(options, () => this.#inner.listGuests(filter, options));
  }
  getGuest(guestId: string, options?: CallOptions): Promise<Guest> {
    return this.#call(options, () => this.#inner.getGuest(guestId, options));
  }
  createGuest(spec: GuestSpecInput, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.createGuest(spec, options));
  }
  cloneGuest(guestId: string, spec?: CloneSpecInput, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.cloneGuest(guestId, spec, options));
  }
  updateGuest(guestId: string, patch: GuestPatch, options?: CallOptions): Promise<Operation | undefined> {
    return this.#call(options, () => this.#inner.updateGuest(guestId, patch, options));
  }
  deleteGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.deleteGuest(guestId, options));
  }
  startGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.startGuest(guestId, options));
  }
  stopGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.stopGuest(guestId, options));
  }
  shutdownGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.shutdownGuest(guestId, options));
  }
  rebootGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.rebootGuest(guestId, options));
  }
  resetGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.resetGuest(guestId, options));
  }
  suspendGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.suspendGuest(guestId, options));
  }
  resumeGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.resumeGuest(guestId, options));
  }
  migrateGuest(guestId: string, spec: MigrateSpec, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.migrateGuest(guestId, spec, options));
  }
  listSnapshots(guestId: string, options?: CallOptions): Promise<Snapshot[]> {
    return this.#call(options, () => this.#inner.listSnapshots(guestId, options));
  }
  createSnapshot(guestId: string, spec: SnapshotSpecInput, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.createSnapshot(guestId, spec, options));
  }
  rollbackSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.rollbackSnapshot(guestId, name, options));
  }
  deleteSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.deleteSnapshot(guestId, name, options));
  }
  openConsole(guestId: string, request: ConsoleRequest, options?: CallOptions): Promise<ConsoleTicket> {
    return this.#call(options, () => this.#inner.openConsole(guestId, request, options));
  }
  getMetrics(guestId: string, request?: MetricsRequestInput, options?: CallOptions): Promise<MetricSeries> {
    return this.#call(options, () => this.#inner.getMetrics(guestId, request, options));
  }
  getOperation(operationId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.getOperation(operationId, options));
  }
  cancelOperation(operationId: string, options?: CallOptions): Promise<Operation> {
    return this.#call(options, () => this.#inner.cancelOperation(operationId, options));
  }

  /** Runs `call` on the connector behind the guards, through the guards (breaker, cap, retirement). */
  run<C extends HypervisorConnector, T>(
    call: (connector: C, options: CallOptions) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    return this.#call(options, () => call(this.#inner as C, options));
  }

  /** Waits for an operation, holding a concurrency slot only while a poll runs. */
  waitForOperation(operationId: string, options: WaitOptions = {}): Promise<Operation> {
    return this.#track(() =>
      pollOperation(
        operationId,
        options,
        this.#wait,
        {
          poll: (signal) =>
            this.#guarded({ signal }, () => this.#inner.getOperation(operationId, { signal })),
          wait: (waitOptions) =>
            this.#guarded(waitOptions, () => this.#inner.waitForOperation(operationId, waitOptions)),
        },
        this.targetId,
      ),
    );
  }

  /**
   * Hands the connector back to the resolver, which closes it once its calls in flight are done. The next
   * `resolve` of the target creates a new one. Let the resolver's own `close()` do this at shutdown.
   */
  close(): Promise<void> {
    this.retire('released');
    return this.#release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #call<T>(options: CallOptions | undefined, run: () => Promise<T>): Promise<T> {
    return this.#track(() => this.#guarded(options, run));
  }

  /** Counts a public call from start to end; refuses it once retired. */
  #track<T>(run: () => Promise<T>): Promise<T> {
    if (this.#retired !== undefined) {
      return Promise.reject(
        new UnavailableError(
          `the connector of target "${this.targetId}" was closed (${this.#retired}); resolve the target again`,
          {
            retryable: true,
            target: this.targetId,
            details: { reason: 'connector-retired', retired: this.#retired },
          },
        ),
      );
    }
    this.#calls += 1;
    this.#lastUsedAt = this.#now();
    return this.#tracker.track(run).then(
      (value) => {
        this.#lastUsedAt = this.#now();
        return value;
      },
      (error: unknown) => {
        this.#failures += 1;
        this.#lastUsedAt = this.#now();
        throw error;
      },
    );
  }

  /** One call to the target through the breaker and the concurrency cap. */
  async #guarded<T>(options: CallOptions | undefined, run: () => Promise<T>): Promise<T> {
    let permit: BreakerPermit | undefined;
    try {
      permit = this.#breaker?.admit();
    } catch (error) {
      this.#rejected += 1;
      throw error;
    }
    let release: () => void;
    try {
      release = await this.#limiter.acquire(options?.signal);
    } catch (error) {
      if (isHypervisorError(error, 'UNAVAILABLE')) this.#rejected += 1;
      if (permit !== undefined) this.#breaker?.settle(permit, 'neutral');
      throw error;
    }
    try {
      const value = await run();
      if (permit !== undefined) this.#breaker?.settle(permit, 'success');
      return value;
    } catch (error) {
      if (permit !== undefined) {
        this.#breaker?.settle(permit, outcomeOf(error), isHypervisorError(error) ? error : undefined);
      }
      throw error;
    } finally {
      release();
    }
  }
}

/** What an error from the target says about its health. */
function outcomeOf(error: unknown): CallOutcome {
  if (isHypervisorError(error, 'UNAVAILABLE') || isHypervisorError(error, 'TIMEOUT')) return 'failure';
  if (isHypervisorError(error)) return error.code === 'CANCELLED' ? 'neutral' : 'success';
  // Not a contract error: a bug somewhere, not a sign of the target's health.
  return 'neutral';
}
