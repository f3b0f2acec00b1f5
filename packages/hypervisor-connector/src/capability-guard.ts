import { UnsupportedOperationError } from './errors/error-classes.js';
import { type Capabilities, type CapabilityName, hasCapability } from './model/capabilities.js';

/** Throws UNSUPPORTED (with the connector's note, when it has one) unless `capabilities` has `name`. */
export function requireCapability(capabilities: Capabilities, name: CapabilityName, target?: string): void {
  if (hasCapability(capabilities, name)) return;
  const note = capabilities.notes?.[name];
  throw new UnsupportedOperationError(name, note ? `unsupported: ${name} (${note})` : undefined, {
    ...(target === undefined ? {} : { target }),
  });
}
