import { throwIfAborted } from '../abort.js';
import type { CallOptions, HypervisorConnector, WaitOptions } from '../connector.js';
import type { ConnectorContext } from '../connector-factory.js';
import { NotFoundError, UnavailableError } from '../errors/error-classes.js';
import type { Capabilities } from '../model/capabilities.js';
import type { ConsoleTicket } from '../model/console-ticket.js';
import type { Guest } from '../model/guest.js';
import type { HostNode } from '../model/host-node.js';
import type { MetricSeries } from '../model/metric-series.js';
import type { Operation } from '../model/operation.js';
import type { Snapshot } from '../model/snapshot.js';
import type { TargetInfo } from '../model/target-info.js';
import {
  type CloneSpecInput,
  CloneSpecSchema,
  type GuestPatch,
  GuestPatchSchema,
  type MigrateSpec,
  MigrateSpecSchema,
  type SnapshotSpecInput,
  SnapshotSpecSchema,
} from '../schemas/guest-changes.js';
import { type GuestSpecInput, GuestSpecSchema } from '../schemas/guest-spec.js';
import { GuestIdSchema, OperationIdSchema, SnapshotNameSchema } from '../schemas/identifiers.js';
import { parseInput } from '../schemas/parse-input.js';
import {
  type ConsoleRequest,
  ConsoleRequestSchema,
  type GuestFilter,
  GuestFilterSchema,
  type MetricsRequestInput,
  MetricsRequestSchema,
  WaitLimitsSchema,
} from '../schemas/queries.js';
import { SPECIFICATION_VERSION } from '../specification.js';
import { clockDelay } from './clock.js';
import { openMemoryConsole } from './console-tickets.js';
import {
  cloneMemoryGuest,
  createMemoryGuest,
  deleteMemoryGuest,
  updateMemoryGuest,
} from './guest-lifecycle.js';
import { migrateMemoryGuest } from './guest-migration.js';
import { runPowerAction } from './guest-power.js';
import { toGuest } from './guest-record.js';
import {
  createMemorySnapshot,
  deleteMemorySnapshot,
  listMemorySnapshots,
  rollbackMemorySnapshot,
} from './guest-snapshots.js';
import {
  type MemoryConnectorConfigInput,
  type ResolvedMemoryConfig,
  resolveMemoryConfig,
} from './memory-config.js';
import { type MemoryContext, requireMemoryCapability } from './memory-context.js';
import { listMemoryNodes } from './memory-nodes.js';
import { OperationRunner } from './memory-operations.js';
import { MemoryState } from './memory-state.js';
import { createTestHooks, type MemoryConnectorState } from './memory-test-hooks.js';
import { waitForMemoryOperation } from './operation-waiter.js';
import type { PowerAction } from './power-transitions.js';
import { memoryMetrics } from './synthetic-metrics.js';

/** A {@link HypervisorConnector} that keeps everything in memory, plus test hooks. */
export interface MemoryConnector extends HypervisorConnector {
  readonly kind: 'memory';
  /** Test hooks: see {@link MemoryConnectorState}. */
  readonly state: MemoryConnectorState;
}

/** The connector kind of the memory connector. */
export const MEMORY_CONNECTOR_KIND = 'memory';

/**
 * Validates `config` (INVALID_ARGUMENT when bad) and creates a memory connector; `context.targetId` appears in its
 * errors. See the module example.
 */
export function createMemoryConnector(
  config?: MemoryConnectorConfigInput,
  context?: ConnectorContext,
): MemoryConnector {
  return new InMemoryConnector(resolveMemoryConfig(config), context?.targetId);
}

class InMemoryConnector implements MemoryConnector {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly kind = MEMORY_CONNECTOR_KIND;
  readonly capabilities: Capabilities;
  readonly state: MemoryConnectorState;
  private readonly context: MemoryContext;
  private closed = false;
  private readonly closing = new AbortController();

  constructor(
    private readonly config: ResolvedMemoryConfig,
    targetId?: string,
  ) {
    const { clock } = config;
    const origin = targetId === undefined ? {} : { target: targetId };
    this.capabilities = frozenCopy(config.capabilities);
    this.context = {
      state: new MemoryState(config.nodes, config.guests, clock.now()),
      runner: new OperationRunner({
        clock,
        durationMs: config.operationDurationMs,
        ...(config.failOperations === undefined ? {} : { failOperations: config.failOperations }),
        ...origin,
      }),
      clock,
      capabilities: config.capabilities,
      origin,
    };
    this.state = createTestHooks(this.context, () => this.closed);
  }

  describe(options?: CallOptions): Promise<TargetInfo> {
    return this.call(options, noInput, () => ({
      kind: this.kind,
      specificationVersion: this.specificationVersion,
      version: this.config.version,
      ...(this.config.clusterName === undefined ? {} : { clusterName: this.config.clusterName }),
      nodes: listMemoryNodes(this.context),
      capabilities: structuredClone(this.config.capabilities),
      raw: {
        version: this.config.version,
        ...(this.config.clusterName === undefined ? {} : { clusterName: this.config.clusterName }),
      },
    }));
  }

  listNodes(options?: CallOptions): Promise<HostNode[]> {
    return this.call(options, noInput, () => listMemoryNodes(this.context));
  }

  listGuests(filter?: GuestFilter, options?: CallOptions): Promise<Guest[]> {
    return this.call(
      options,
      () => parseInput(GuestFilterSchema, filter ?? {}, 'guest filter'),
      (parsed) => this.context.state.list(parsed).map((record) => toGuest(record, this.context.clock.now())),
    );
  }

  getGuest(guestId: string, options?: CallOptions): Promise<Guest> {
    return this.call(
      options,
      () => parseGuestId(guestId),
      (id) => toGuest(this.context.state.guest(id, this.context.origin), this.context.clock.now()),
    );
  }

  createGuest(spec: GuestSpecInput, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => parseInput(GuestSpecSchema, spec, 'guest spec'),
      (parsed) => createMemoryGuest(this.context, parsed),
    );
  }

  cloneGuest(guestId: string, spec?: CloneSpecInput, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => [parseGuestId(guestId), parseInput(CloneSpecSchema, spec ?? {}, 'clone spec')] as const,
      ([id, parsed]) => cloneMemoryGuest(this.context, id, parsed),
    );
  }

  updateGuest(guestId: string, patch: GuestPatch, options?: CallOptions): Promise<undefined> {
    return this.call(
      options,
      () => [parseGuestId(guestId), parseInput(GuestPatchSchema, patch, 'guest patch')] as const,
      ([id, parsed]) => updateMemoryGuest(this.context, id, parsed),
    );
  }

  deleteGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => parseGuestId(guestId),
      (id) => deleteMemoryGuest(this.context, id),
    );
  }

  startGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.power(guestId, 'start', options);
  }

  stopGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.power(guestId, 'stop', options);
  }

  shutdownGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.power(guestId, 'shutdown', options);
  }

  rebootGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.power(guestId, 'reboot', options);
  }

  resetGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.power(guestId, 'reset', options);
  }

  suspendGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.power(guestId, 'suspend', options);
  }

  resumeGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.power(guestId, 'resume', options);
  }

  migrateGuest(guestId: string, spec: MigrateSpec, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => [parseGuestId(guestId), parseInput(MigrateSpecSchema, spec, 'migrate spec')] as const,
      ([id, parsed]) => migrateMemoryGuest(this.context, id, parsed),
    );
  }

  listSnapshots(guestId: string, options?: CallOptions): Promise<Snapshot[]> {
    return this.call(
      options,
      () => parseGuestId(guestId),
      (id) => listMemorySnapshots(this.context, id),
    );
  }

  createSnapshot(guestId: string, spec: SnapshotSpecInput, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => [parseGuestId(guestId), parseInput(SnapshotSpecSchema, spec, 'snapshot spec')] as const,
      ([id, parsed]) => createMemorySnapshot(this.context, id, parsed),
    );
  }

  rollbackSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => [parseGuestId(guestId), parseSnapshotName(name)] as const,
      ([id, snapshot]) => rollbackMemorySnapshot(this.context, id, snapshot),
    );
  }

  deleteSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => [parseGuestId(guestId), parseSnapshotName(name)] as const,
      ([id, snapshot]) => deleteMemorySnapshot(this.context, id, snapshot),
    );
  }

  openConsole(guestId: string, request: ConsoleRequest, options?: CallOptions): Promise<ConsoleTicket> {
    return this.call(
      options,
      () => [parseGuestId(guestId), parseInput(ConsoleRequestSchema, request, 'console request')] as const,
      ([id, parsed]) => openMemoryConsole(this.context, id, parsed),
    );
  }

  getMetrics(guestId: string, request?: MetricsRequestInput, options?: CallOptions): Promise<MetricSeries> {
    return this.call(
      options,
      () =>
        [parseGuestId(guestId), parseInput(MetricsRequestSchema, request ?? {}, 'metrics request')] as const,
      ([id, parsed]) => memoryMetrics(this.context, id, parsed),
    );
  }

  getOperation(operationId: string, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => parseOperationId(operationId),
      (id) => this.operation(id),
    );
  }

  async waitForOperation(operationId: string, options: WaitOptions = {}): Promise<Operation> {
    const initial = await this.call(
      options,
      () => {
        const limits = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
        parseInput(WaitLimitsSchema, limits, 'wait options');
        return parseOperationId(operationId);
      },
      (id) => this.operation(id),
    );
    return waitForMemoryOperation(this.context, initial, options);
  }

  cancelOperation(operationId: string, options?: CallOptions): Promise<Operation> {
    return this.call(
      options,
      () => parseOperationId(operationId),
      (id) => {
        requireMemoryCapability(this.context, 'cancelOperation');
        this.operation(id);
        return this.context.runner.cancel(id)!;
      },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.context.runner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Every public call goes through here: UNAVAILABLE after close, CANCELLED for an aborted signal, INVALID_ARGUMENT
   * from `parse` (all before anything changes or any latency), then the configured latency, then `work`, run
   * synchronously so a call sees one consistent state.
   */
  private async call<I, T>(
    options: CallOptions | undefined,
    parse: () => I,
    work: (input: I) => T,
  ): Promise<T> {
    this.assertOpen();
    const signal = options?.signal;
    throwIfAborted(signal);
    const input = parse();
    if (this.config.latencyMs > 0) {
      // close() cuts the latency short too, so no call is left waiting on a clock nobody advances.
      const signals = signal === undefined ? [this.closing.signal] : [signal, this.closing.signal];
      try {
        await clockDelay(this.context.clock, this.config.latencyMs, AbortSignal.any(signals));
      } catch (error) {
        this.assertOpen();
        throw error;
      }
      this.assertOpen();
    }
    return work(input);
  }

  private power(guestId: string, action: PowerAction, options: CallOptions | undefined): Promise<Operation> {
    return this.call(
      options,
      () => parseGuestId(guestId),
      (id) => runPowerAction(this.context, id, action),
    );
  }

  private assertOpen(): void {
    if (!this.closed) return;
    throw new UnavailableError('the memory connector is closed', {
      retryable: false,
      ...this.context.origin,
    });
  }

  private operation(id: string): Operation {
    const operation = this.context.runner.get(id);
    if (operation === undefined) {
      throw new NotFoundError(`operation ${id} not found`, {
        ...this.context.origin,
        details: { operationId: id },
      });
    }
    return operation;
  }
}

/** A deep copy of `capabilities` that cannot be changed, so `connector.capabilities` always tells the truth. */
function frozenCopy(capabilities: Capabilities): Capabilities {
  const copy = structuredClone(capabilities);
  for (const value of Object.values(copy)) {
    if (typeof value === 'object' && value !== null) Object.freeze(value);
  }
  return Object.freeze(copy);
}

/** For calls that take no input besides their options. */
function noInput(): undefined {
  return undefined;
}

function parseGuestId(guestId: string): string {
  return parseInput(GuestIdSchema, guestId, 'guest id');
}

function parseSnapshotName(name: string): string {
  return parseInput(SnapshotNameSchema, name, 'snapshot name');
}

function parseOperationId(operationId: string): string {
  return parseInput(OperationIdSchema, operationId, 'operation id');
}
