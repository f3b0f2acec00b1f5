import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { decodeDoneOperation, isDoneOperationId } from './done-operation.js';
import { listTaskOperations } from './task-list.js';

/**
 * Operations are PVE tasks: read by UPID on the node that runs them, waited for by the kit's waiter, cancelled with
 * a `DELETE` of the task. Two other id forms exist: chains of tasks run by this process (`pve1c.`), and operations
 * born succeeded (`pve1d.`), decoded without I/O. The list is PVE's cluster task index (see `listTaskOperations`).
 */
export function operationMethods(
  pve: ProxmoxContext,
): Pick<
  ConnectorImplementation<PveGuestRef>,
  'listOperations' | 'getOperation' | 'waitForOperation' | 'cancelOperation'
> {
  return {
    listOperations: (query, context) => listTaskOperations(pve, query, context),
    getOperation: async (id, { signal }) => {
      if (pve.chains.owns(id)) return pve.chains.get(id);
      if (isDoneOperationId(id)) return decodeDoneOperation(id);
      return pve.tasks.get(pve.tasks.decode(id), signal);
    },
    waitForOperation: async (id, options) => {
      if (pve.chains.owns(id)) return pve.chains.wait(id, options);
      if (isDoneOperationId(id)) return decodeDoneOperation(id);
      return pve.taskWaits.wait(id, options);
    },
    cancelOperation: async (id, { signal }) => {
      if (pve.chains.owns(id)) return pve.chains.cancel(id);
      if (isDoneOperationId(id)) return decodeDoneOperation(id);
      return pve.tasks.cancel(pve.tasks.decode(id), signal);
    },
  };
}
