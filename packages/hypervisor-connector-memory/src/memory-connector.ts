import type { ConnectorContext } from '@hvc/hypervisor-connector';
import {
  type HypervisorConnector,
  NotFoundError,
  type Operation,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import {
  abortableDelay,
  type CallContext,
  defineConnector,
  matchesGuestFilter,
  OperationWaiter,
  operationPageOf,
  powerMethods,
} from '@hvc/hypervisor-connector-kit';
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
import { type MemoryConnectorConfigInput, resolveMemoryConfig } from './memory-config.js';
import { openMemoryConsoleStream } from './memory-console-stream.js';
import type { MemoryContext } from './memory-context.js';
import { watchMemoryGuests } from './memory-guest-watch.js';
import { MemoryInventory } from './memory-inventory.js';
import { listMemoryNodes } from './memory-nodes.js';
import { OperationRunner } from './memory-operations.js';
import { MemoryState } from './memory-state.js';
import { createTestHooks, type MemoryConnectorState } from './memory-test-hooks.js';
import { memoryProvisioningMethods } from './provisioning-methods.js';
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
 *
 * Every call waits the configured latency on the connector's clock (after the contract's checks, before anything
 * changes), then does its work synchronously, so a call sees one consistent state.
 */
export function createMemoryConnector(
  input?: MemoryConnectorConfigInput,
  connectorContext?: ConnectorContext,
): MemoryConnector {
  const config = resolveMemoryConfig(input);
  const { clock } = config;
  const target = connectorContext?.targetId;
  const origin = target === undefined ? {} : { target };
  const context: MemoryContext = {
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
    inventory: config.inventory,
  };
  const { state, runner } = context;
  const inventory = new MemoryInventory(config, context);
  const waiter = new OperationWaiter({ clock, ...origin });
  const closing = new AbortController();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new UnavailableError('the memory connector is closed', { retryable: false, ...origin });
  };
  /** The configured latency; close() cuts it short, so no call is left waiting on a clock nobody advances. */
  const latency = async (call: CallContext) => {
    const signals = call.signal === undefined ? [closing.signal] : [call.signal, closing.signal];
    try {
      await abortableDelay(config.latencyMs, AbortSignal.any(signals), clock);
    } finally {
      assertOpen();
    }
  };
  /** The latency, then `work`; without latency `work` runs at once, so calls take effect in the order made. */
  const after = <T>(call: CallContext, work: () => T): Promise<T> =>
    config.latencyMs === 0 ? new Promise<T>((resolve) => resolve(work())) : latency(call).then(work);
  const operation = (id: string): Operation => {
    assertOpen();
    const found = runner.get(id);
    if (found === undefined) {
      throw new NotFoundError(`operation ${id} not found`, { ...origin, details: { operationId: id } });
    }
    return found;
  };

  return defineConnector(
    {
      kind: MEMORY_CONNECTOR_KIND,
      capabilities: config.capabilities,
      ...origin,
      // No options of its own: any key under `providerOptions.memory` is INVALID_ARGUMENT.
      providerOptions: {},
      guestTypeOf: (guestId) => state.find(guestId)?.type,
      describe: (call) =>
        after(call, () => ({
          kind: MEMORY_CONNECTOR_KIND,
          specificationVersion: 'v1' as const,
          version: config.version,
          ...(config.clusterName === undefined ? {} : { clusterName: config.clusterName }),
          nodes: listMemoryNodes(context),
          capabilities: structuredClone(config.capabilities),
          raw: {
            version: config.version,
            ...(config.clusterName === undefined ? {} : { clusterName: config.clusterName }),
          },
        })),
      listNodes: (call) => after(call, () => listMemoryNodes(context)),
      listGuests: (filter, call) =>
        after(call, () =>
          state
            .list()
            .map((record) => toGuest(record, clock.now()))
            .filter((guest) => matchesGuestFilter(guest, filter)),
        ),
      getGuest: (guestId, call) => after(call, () => toGuest(state.guest(guestId, origin), clock.now())),
      createGuest: (spec, call) => after(call, () => createMemoryGuest(context, spec)),
      cloneGuest: (guestId, spec, call) => after(call, () => cloneMemoryGuest(context, guestId, spec)),
      updateGuest: (guestId, patch, call) => after(call, () => updateMemoryGuest(context, guestId, patch)),
      deleteGuest: (guestId, call) => after(call, () => deleteMemoryGuest(context, guestId)),
      ...powerMethods((action, guestId: string, call) =>
        after(call, () => runPowerAction(context, guestId, action)),
      ),
      migrateGuest: (guestId, spec, call) => after(call, () => migrateMemoryGuest(context, guestId, spec)),
      listSnapshots: (guestId, call) => after(call, () => listMemorySnapshots(context, guestId)),
      createSnapshot: (guestId, spec, call) =>
        after(call, () => createMemorySnapshot(context, guestId, spec)),
      rollbackSnapshot: (guestId, name, call) =>
        after(call, () => rollbackMemorySnapshot(context, guestId, name)),
      deleteSnapshot: (guestId, name, call) =>
        after(call, () => deleteMemorySnapshot(context, guestId, name)),
      openConsole: (guestId, request, call) =>
        after(call, () => openMemoryConsole(context, guestId, request)),
      openConsoleStream: async (guestId, _request, call) =>
        await after(call, () => openMemoryConsoleStream(context, guestId)),
      getMetrics: (guestId, request, call) => after(call, () => memoryMetrics(context, guestId, request)),
      listStorages: (query, call) => after(call, () => inventory.listStorages(query)),
      listNetworks: (query, call) => after(call, () => inventory.listNetworks(query)),
      listImages: (query, call) => after(call, () => inventory.listImages(query)),
      ...memoryProvisioningMethods(context, after),
      watchGuests: watchMemoryGuests(context, closing.signal),
      listOperations: (query, call) =>
        after(call, () => {
          assertOpen();
          return operationPageOf(runner.all(), query);
        }),
      getOperation: (id, call) => after(call, () => operation(id)),
      waitForOperation: async (id, options, call) => {
        await after(call, () => operation(id));
        return waiter.wait(
          id,
          {
            poll: async () => operation(id),
            subscribe: (onChange) => runner.subscribe(id, onChange),
          },
          options,
        );
      },
      cancelOperation: (id, call) =>
        after(call, () => {
          operation(id);
          return runner.cancel(id)!;
        }),
      close: async () => {
        closed = true;
        closing.abort();
        runner.close();
      },
    },
    { state: createTestHooks(context, () => closed) },
  ) as MemoryConnector;
}
