import type { Capabilities, CapabilityName, GuestType } from '@hvc/hypervisor-connector';
import { type Clock, requireCapability } from '@hvc/hypervisor-connector-kit';
import type { ResolvedMemoryInventory } from './inventory-seeds.js';
import type { ErrorOrigin } from './memory-errors.js';
import type { OperationRunner } from './memory-operations.js';
import type { MemoryState } from './memory-state.js';

/** What the memory connector's actions share: its guests, its operations, its clock and its capabilities. */
export interface MemoryContext {
  readonly state: MemoryState;
  readonly runner: OperationRunner;
  readonly clock: Clock;
  readonly capabilities: Capabilities;
  readonly origin: ErrorOrigin;
  /** The storages, networks and images specs and device changes are resolved against. */
  readonly inventory: ResolvedMemoryInventory;
}

/**
 * UNSUPPORTED unless the connector has the capability (for `guestType` too). Only for checks that depend on a
 * guest's state; `defineConnector` gates every call on its declared capabilities before it gets here.
 */
export function requireMemoryCapability(
  context: MemoryContext,
  name: CapabilityName,
  guestType?: GuestType,
): void {
  requireCapability(context.capabilities, name, {
    ...(context.origin.target === undefined ? {} : { target: context.origin.target }),
    ...(guestType === undefined ? {} : { guestType }),
  });
}
