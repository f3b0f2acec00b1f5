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
import { memoryMetrics } from './synthetic-metrics.js';

export type { MemoryConnectorState };

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
    return this.call(options, () => ({
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
    return this.call(options, () => listMemoryNodes(this.context));
  }

  listGuests(filter?: GuestFilter, options?: CallOptions): Promise<Guest[]> {
    return this.call(options, () => {
      const parsed = parseInput(GuestFilterSchema, filter ?? {}, 'guest filter');
      return this.context.state.list(parsed).map((record) => toGuest(record, this.context.clock.now()));
    });
  }

  getGuest(guestId: string, options?: CallOptions): Promise<Guest> {
    return this.call(options, () =>
      toGuest(this.context.state.guest(this.guestId(guestId), this.context.origin), this.context.clock.now()),
    );
  }

  createGuest(spec: GuestSpecInput, options?: CallOptions): Promise<Operation> {
    return this.call(options, () =>
      createMemoryGuest(this.context, parseInput(GuestSpecSchema, spec, 'guest spec')),
    );
  }

  cloneGuest(guestId: string, spec?: CloneSpecInput, options?: CallOptions): Promise<Operation> {
    return this.call(options, () =>
      cloneMemoryGuest(
        this.context,
        this.guestId(guestId),
        parseInput(CloneSpecSchema, spec ?? {}, 'clone spec'),
      ),
    );
  }

  updateGuest(guestId: string, patch: GuestPatch, options?: CallOptions): Promise<undefined> {
    return this.call(options, () =>
      updateMemoryGuest(
        this.context,
        this.guestId(guestId),
        parseInput(GuestPatchSchema, patch, 'guest patch'),
      ),
    );
  }

  deleteGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => deleteMemoryGuest(this.context, this.guestId(guestId)));
  }

  startGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => runPowerAction(this.context, this.guestId(guestId), 'start'));
  }

  stopGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => runPowerAction(this.context, this.guestId(guestId), 'stop'));
  }

  shutdownGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => runPowerAction(this.context, this.guestId(guestId), 'shutdown'));
  }

  rebootGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => runPowerAction(this.context, this.guestId(guestId), 'reboot'));
  }

  resetGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => runPowerAction(this.context, this.guestId(guestId), 'reset'));
  }

  suspendGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => runPowerAction(this.context, this.guestId(guestId), 'suspend'));
  }

  resumeGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => runPowerAction(this.context, this.guestId(guestId), 'resume'));
  }

  migrateGuest(guestId: string, spec: MigrateSpec, options?: CallOptions): Promise<Operation> {
    return this.call(options, () =>
      migrateMemoryGuest(
        this.context,
        this.guestId(guestId),
        parseInput(MigrateSpecSchema, spec, 'migrate spec'),
      ),
    );
  }

  listSnapshots(guestId: string, options?: CallOptions): Promise<Snapshot[]> {
    return this.call(options, () => listMemorySnapshots(this.context, this.guestId(guestId)));
  }

  createSnapshot(guestId: string, spec: SnapshotSpecInput, options?: CallOptions): Promise<Operation> {
    return this.call(options, () =>
      createMemorySnapshot(
        this.context,
        this.guestId(guestId),
        parseInput(SnapshotSpecSchema, spec, 'snapshot spec'),
      ),
    );
  }

  rollbackSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () =>
      rollbackMemorySnapshot(this.context, this.guestId(guestId), this.snapshotName(name)),
    );
  }

  deleteSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () =>
      deleteMemorySnapshot(this.context, this.guestId(guestId), this.snapshotName(name)),
    );
  }

  openConsole(guestId: string, request: ConsoleRequest, options?: CallOptions): Promise<ConsoleTicket> {
    return this.call(options, () =>
      openMemoryConsole(
        this.context,
        this.guestId(guestId),
        parseInput(ConsoleRequestSchema, request, 'console request'),
      ),
    );
  }

  getMetrics(guestId: string, request?: MetricsRequestInput, options?: CallOptions): Promise<MetricSeries> {
    return this.call(options, () =>
      memoryMetrics(
        this.context,
        this.guestId(guestId),
        parseInput(MetricsRequestSchema, request ?? {}, 'metrics request'),
      ),
    );
  }

  getOperation(operationId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => this.operation(operationId));
  }

  async waitForOperation(operationId: string, options: WaitOptions = {}): Promise<Operation> {
    const initial = await this.call(options, () => {
      parseInput(
        WaitLimitsSchema,
        options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
        'wait options',
      );
      return this.operation(operationId);
    });
    return waitForMemoryOperation(this.context, initial, options);
  }

  cancelOperation(operationId: string, options?: CallOptions): Promise<Operation> {
    return this.call(options, () => {
      requireMemoryCapability(this.context, 'cancelOperation');
      this.operation(operationId);
      return this.context.runner.cancel(operationId)!;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.context.runner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Every public call goes through here: UNAVAILABLE after close, CANCELLED for an aborted signal (before anything
   * changes), then the configured latency, then the work itself, run synchronously so a call sees one consistent
   * state.
   */
  private async call<T>(options: CallOptions | undefined, work: () => T): Promise<T> {
    this.assertOpen();
    const signal = options?.signal;
    throwIfAborted(signal);
    if (this.config.latencyMs > 0) {
      await clockDelay(this.context.clock, this.config.latencyMs, signal);
      this.assertOpen();
    }
    return work();
  }

  private assertOpen(): void {
    if (!this.closed) return;
    throw new UnavailableError('the memory connector is closed', {
      retryable: false,
      ...this.context.origin,
    });
  }

  private guestId(guestId: string): string {
    return parseInput(GuestIdSchema, guestId, 'guest id');
  }

  private snapshotName(name: string): string {
    return parseInput(SnapshotNameSchema, name, 'snapshot name');
  }

  private operation(operationId: string): Operation {
    const id = parseInput(OperationIdSchema, operationId, 'operation id');
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
