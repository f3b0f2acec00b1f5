import {
  type CapabilityName,
  CONSOLE_PROTOCOLS,
  FULL_CAPABILITIES,
  GUEST_TYPES,
} from '@hvc/hypervisor-connector';

/** Every capability name of the contract, derived from {@link FULL_CAPABILITIES}. */
export function capabilityNames(): CapabilityName[] {
  const names: CapabilityName[] = [];
  for (const [key, value] of Object.entries(FULL_CAPABILITIES)) {
    if (typeof value === 'boolean') names.push(key as CapabilityName);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // A group of booleans: `clone.full`, `inventory.storages`...
      for (const sub of Object.keys(value)) names.push(`${key}.${sub}` as CapabilityName);
    }
  }
  for (const type of GUEST_TYPES) names.push(`guestTypes.${type}`);
  for (const protocol of CONSOLE_PROTOCOLS) names.push(`console.${protocol}`);
  return names;
}
