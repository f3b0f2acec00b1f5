import { type CapabilityName, FULL_CAPABILITIES } from '@hvc/hypervisor-connector';

/** Every capability name of the contract, derived from {@link FULL_CAPABILITIES}. */
export function capabilityNames(): CapabilityName[] {
  const names: CapabilityName[] = [];
  for (const [key, value] of Object.entries(FULL_CAPABILITIES)) {
    if (typeof value === 'boolean') names.push(key as CapabilityName);
    else if (Array.isArray(value)) {
      // A list: `guestTypes.vm`, `console.vnc`, `guestAddresses.agent`...
      for (const item of value as readonly string[]) names.push(`${key}.${item}` as CapabilityName);
    } else if (typeof value === 'object' && value !== null) {
      // A group of booleans: `clone.full`, `inventory.storages`...
      for (const sub of Object.keys(value)) names.push(`${key}.${sub}` as CapabilityName);
    }
  }
  return names;
}
