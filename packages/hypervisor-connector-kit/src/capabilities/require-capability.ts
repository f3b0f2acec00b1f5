import {
  type Capabilities,
  type CapabilityName,
  type GuestCapabilityName,
  type GuestType,
  hasCapability,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';

/** Where a capability check is made: the target (for the error) and the guest type the call acts on, if known. */
export interface CapabilityScope {
  readonly target?: string;
  readonly guestType?: GuestType;
}

/**
 * Throws UNSUPPORTED (with the connector's note, when it has one) unless `capabilities` has `name` — for the guest
 * type of `scope` too, when it is given (`unsupportedByGuestType`).
 */
export function requireCapability(
  capabilities: Capabilities,
  name: CapabilityName,
  scope: CapabilityScope = {},
): void {
  if (hasCapability(capabilities, name, scope.guestType)) return;
  const typeNote =
    scope.guestType === undefined
      ? undefined
      : capabilities.unsupportedByGuestType?.[scope.guestType]?.[name as GuestCapabilityName];
  const note = typeNote ?? capabilities.notes?.[name];
  throw new UnsupportedOperationError(name, note ? `unsupported: ${name} (${note})` : undefined, {
    ...(scope.target === undefined ? {} : { target: scope.target }),
  });
}
