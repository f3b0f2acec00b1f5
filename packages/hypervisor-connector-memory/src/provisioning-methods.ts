import type { CallContext, ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import { addMemoryDisk, removeMemoryDisk, resizeMemoryDisk } from './disk-changes.js';
import { memoryGuestAddresses } from './guest-addresses.js';
import { toGuestConfig } from './guest-config-view.js';
import { convertMemoryToTemplate } from './guest-templates.js';
import type { MemoryContext } from './memory-context.js';
import { addMemoryNic, removeMemoryNic } from './nic-changes.js';

type ProvisioningMethod =
  | 'getGuestConfig'
  | 'convertToTemplate'
  | 'resizeDisk'
  | 'addDisk'
  | 'removeDisk'
  | 'addNic'
  | 'removeNic'
  | 'getGuestAddresses';

/**
 * The memory connector's device, template and address methods; `after` runs each once the call's latency has
 * passed, as every other call of the connector.
 */
export function memoryProvisioningMethods(
  context: MemoryContext,
  after: <T>(call: CallContext, work: () => T) => Promise<T>,
): Required<Pick<ConnectorImplementation, ProvisioningMethod>> {
  return {
    getGuestConfig: (guestId, call) =>
      after(call, () => toGuestConfig(context.state.guest(guestId, context.origin))),
    convertToTemplate: (guestId, call) => after(call, () => convertMemoryToTemplate(context, guestId)),
    resizeDisk: (guestId, slot, resize, call) =>
      after(call, () => resizeMemoryDisk(context, guestId, slot, resize)),
    addDisk: (guestId, disk, call) => after(call, () => addMemoryDisk(context, guestId, disk)),
    removeDisk: (guestId, slot, request, call) =>
      after(call, () => removeMemoryDisk(context, guestId, slot, request)),
    addNic: (guestId, nic, call) => after(call, () => addMemoryNic(context, guestId, nic)),
    removeNic: (guestId, slot, call) => after(call, () => removeMemoryNic(context, guestId, slot)),
    getGuestAddresses: (guestId, request, call) =>
      after(call, () => memoryGuestAddresses(context, guestId, request)),
  };
}
