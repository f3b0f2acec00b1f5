import { type CapabilityName, capabilityNamesOf, FULL_CAPABILITIES } from '@hvc/hypervisor-connector';

/** Every capability name of the contract, derived from {@link FULL_CAPABILITIES}. */
export function capabilityNames(): CapabilityName[] {
  return capabilityNamesOf(FULL_CAPABILITIES);
}
