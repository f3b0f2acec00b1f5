import { requireCapability } from '../capability-guard.js';
import type { Capabilities, CapabilityName } from '../model/capabilities.js';
import type { ProviderOptions } from '../schemas/identifiers.js';
import type { Clock } from './clock.js';
import { type ErrorOrigin, invalidField } from './memory-errors.js';
import type { OperationRunner } from './memory-operations.js';
import type { MemoryState } from './memory-state.js';

/** What the memory connector's actions share: its guests, its operations, its clock and its capabilities. */
export interface MemoryContext {
  readonly state: MemoryState;
  readonly runner: OperationRunner;
  readonly clock: Clock;
  readonly capabilities: Capabilities;
  readonly origin: ErrorOrigin;
}

/** UNSUPPORTED unless the connector has the capability. */
export function requireMemoryCapability(context: MemoryContext, name: CapabilityName): void {
  requireCapability(context.capabilities, name, context.origin.target);
}

/**
 * Provider options of other connector kinds are ignored, as the contract namespaces them; the memory connector has
 * no options of its own, so any under `memory` is INVALID_ARGUMENT rather than silently dropped.
 */
export function rejectMemoryProviderOptions(
  options: ProviderOptions | undefined,
  context: MemoryContext,
): void {
  const own = options?.memory;
  if (own === undefined) return;
  const [key] = Object.keys(own);
  if (key !== undefined)
    throw invalidField(`providerOptions.memory.${key}`, 'unknown option', context.origin);
}
