/**
 * The memory connector: the whole v1 connector contract in memory, for testing control planes without a
 * hypervisor. Operations run for a configurable time on an injectable clock, hold the guest's lock while they run,
 * and succeed, fail (as `failOperations` decides) or are cancelled.
 *
 * @example
 * ```ts
 * import { createManualClock, createMemoryConnector } from '@hvc/hypervisor-connector-memory';
 *
 * const clock = createManualClock();
 * const connector = createMemoryConnector({
 *   clock,
 *   operationDurationMs: 1_000,
 *   guests: [{ type: 'vm', name: 'web-1', node: 'node1' }], // becomes vm/100
 *   failOperations: ({ type }) => (type === 'migrate' ? 'no route to node2' : undefined),
 * });
 *
 * const start = await connector.startGuest('vm/100');
 * const done = connector.waitForOperation(start.id);
 * await clock.advance(1_000); // the start runs for one (manual) second
 * console.log((await done).status, (await connector.getGuest('vm/100')).state); // succeeded running
 *
 * const move = await connector.migrateGuest('vm/100', { targetNode: 'node2' });
 * await clock.advance(1_000);
 * const failed = await connector.waitForOperation(move.id, { throwOnFailure: false });
 * console.log(failed.status, failed.error?.message); // failed no route to node2
 *
 * const created = await connector.createGuest({
 *   type: 'container',
 *   name: 'db-1',
 *   osTemplate: 'local:vztmpl/debian-12.tar.zst',
 * });
 * console.log((await connector.getGuest(created.guestId!)).lock); // create
 * await connector.cancelOperation(created.id); // the container is gone again
 * await connector.close();
 * ```
 *
 * @packageDocumentation
 */
export { type Clock, createManualClock, type ManualClock, systemClock } from '@hvc/hypervisor-connector-kit';
export {
  DEFAULT_MEMORY_INVENTORY,
  type MemoryImageSeed,
  type MemoryInventorySeed,
  type MemoryNetworkSeed,
  type MemoryStorageSeed,
} from './inventory-seeds.js';
export {
  type FailOperationsHook,
  MEMORY_CAPABILITIES,
  MEMORY_UNSUPPORTED_BY_GUEST_TYPE,
  type MemoryCapabilitiesOverride,
  type MemoryConnectorConfig,
  type MemoryConnectorConfigInput,
  MemoryConnectorConfigSchema,
  type MemoryGuestSeed,
  type OperationFailureContext,
} from './memory-config.js';
export { createMemoryConnector, MEMORY_CONNECTOR_KIND, type MemoryConnector } from './memory-connector.js';
export { memoryConnectorFactory } from './memory-connector-factory.js';
export type { MemoryConnectorState } from './memory-test-hooks.js';
export { POWER_TRANSITIONS } from './power-transitions.js';
