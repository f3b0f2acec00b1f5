import type { OperationSource } from '@hvc/hypervisor-connector-kit';
import type { NodeTaskWatch } from './node-task-watch.js';
import type { OperationRef } from './operation-id.js';
import { LOG_TAIL_LINES, type TaskService } from './task-service.js';
import type { Upid } from './upid.js';

/**
 * One PVE task as the kit's `OperationWaiter` reads it: its status on each poll ("no such task" right after it
 * started counts as running), and for a failed one the tail of its log (`details.log`) and its UPID. With a node
 * watch, a poll that a fresh read of the node's active tasks answers costs no status call, and the task's end is
 * pushed to the waiter (`subscribe`) as soon as a read no longer lists it.
 */
export function taskSource(
  tasks: TaskService,
  ref: OperationRef & { readonly task: Upid },
  watch?: NodeTaskWatch,
): OperationSource {
  const { node } = ref.task;
  let since: number | undefined;
  return {
    poll: async (signal) => {
      if (watch && since !== undefined && (await watch.isListed(node, ref.upid, since, signal))) {
        return tasks.running(ref);
      }
      return tasks.get(ref, signal);
    },
    ...(watch === undefined
      ? {}
      : {
          subscribe: (onChange: () => void) => {
            since = performance.now();
            return watch.subscribe(node, ref.upid, onChange);
          },
        }),
    failureDetails: async (_operation, signal) => ({
      log: await tasks.logTail(ref, LOG_TAIL_LINES, signal).catch((): string[] => []),
      upid: tasks.publicUpid(ref.upid),
    }),
  };
}
