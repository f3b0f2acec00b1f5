import { InvalidArgumentError, type ProviderOptions } from '@hvc/hypervisor-connector';
import type { PveParams, PveParamValue } from '../transport/form-encoding.js';

/**
 * The `providerOptions.proxmox` of an input: extra PVE parameters sent as they are (the escape hatch for what the
 * contract does not model). Values must be strings, numbers or booleans.
 */
export function proxmoxParams(options: ProviderOptions | undefined, field: string): PveParams {
  const extra = options?.proxmox ?? {};
  const params: Record<string, PveParamValue> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(key)) {
      throw new InvalidArgumentError(`invalid ${field}: not a PVE parameter name`, {
        violations: [{ field: `${field}.proxmox.${key.slice(0, 64)}`, message: 'not a PVE parameter name' }],
      });
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InvalidArgumentError(`invalid ${field}: PVE parameters are strings, numbers or booleans`, {
        violations: [{ field: `${field}.proxmox.${key}`, message: 'must be a string, number or boolean' }],
      });
    }
    params[key] = value;
  }
  return params;
}
