import type { Operation, WaitOptions } from '@hvc/hypervisor-connector';
import { OperationWaiter } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxConfig } from '../config/config-schema.js';
import { publishTaskWait } from '../transport/diagnostics.js';
import type { PveClient } from '../transport/pve-client.js';
import { NodeTaskWatch } from './node-task-watch.js';
import type { TaskService } from './task-service.js';
import { taskSource } from './task-source.js';

/** Waits for the operations of PVE tasks. */
export interface TaskWaits {
  wait(operationId: string, options?: WaitOptions): Promise<Operation>;
}

/**
 * Task waits on the configured schedule, each poll and each wait's end published on the task-wait channel;
 * concurrent waits on one node learn from shared reads of its task list how their tasks run and end.
 */
export function createTaskWaits(
  client: PveClient,
  tasks: TaskService,
  config: ProxmoxConfig['tasks'],
  origin: { readonly target?: string },
): TaskWaits {
  const { initialIntervalMs, backoffFactor, maxIntervalMs } = config;
  const waiter = new OperationWaiter({
    schedule: { initialMs: initialIntervalMs, factor: backoffFactor, maxMs: maxIntervalMs },
    ...origin,
    onPoll: (event) =>
      publishTaskWait(() => ({
        ...origin,
        ...event,
        upid: tasks.publicUpid(tasks.decode(event.operationId).upid),
      })),
  });
  // A read of a node's tasks this recent answers a poll. Timed reads come no closer than a tenth of the first poll
  // interval: a node with many waits is read that often (one request for all of them), so that the last of a batch of
  // tasks is seen ending soon after it ends.
  const watch = new NodeTaskWatch(client, {
    freshMs: Math.max(1, initialIntervalMs / 2),
    minIntervalMs: Math.max(1, initialIntervalMs / 10),
    maxIntervalMs,
  });
  return {
    wait: (id, options) => waiter.wait(id, taskSource(tasks, tasks.decode(id), watch), options),
  };
}
