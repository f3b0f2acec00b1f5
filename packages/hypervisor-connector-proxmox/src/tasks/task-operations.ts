import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import { OperationWaiter } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { publishTaskWait } from '../transport/diagnostics.js';
import { NodeTaskWatch } from './node-task-watch.js';
import { taskSource } from './task-source.js';

/**
 * Operations are PVE tasks: read by UPID on the node that runs them, waited for by the kit's waiter on the
 * configured schedule (concurrent waits on one node learn from shared reads of its active tasks) (each poll and each wait's end published on the task-wait channel), cancelled with a
 * `DELETE` of the task.
 */
export function operationMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'getOperation' | 'waitForOperation' | 'cancelOperation'> {
  const { initialIntervalMs, backoffFactor, maxIntervalMs } = pve.config.tasks;
  const waiter = new OperationWaiter({
    schedule: { initialMs: initialIntervalMs, factor: backoffFactor, maxMs: maxIntervalMs },
    ...pve.origin,
    onPoll: (event) =>
      publishTaskWait(() => ({
        ...pve.origin,
        ...event,
        upid: pve.tasks.publicUpid(pve.tasks.decode(event.operationId).upid),
      })),
  });
  // Concurrent waits on one node share reads of its active tasks; a read this recent answers a poll.
  const watch = new NodeTaskWatch(pve.client, {
    freshMs: Math.max(1, initialIntervalMs / 2),
    maxIntervalMs,
  });
  return {
    getOperation: (id, { signal }) => pve.tasks.get(pve.tasks.decode(id), signal),
    waitForOperation: (id, options) =>
      waiter.wait(id, taskSource(pve.tasks, pve.tasks.decode(id), watch), options),
    cancelOperation: (id, { signal }) => pve.tasks.cancel(pve.tasks.decode(id), signal),
  };
}
