import type { OperationSource } from '@hvc/hypervisor-connector-kit';
import type { NodeTaskWatch } from './node-task-watch.js';
import type { OperationRef } from './operation-id.js';
import { LOG_TAIL_LINES, type TaskListItem, type TaskService } from './task-service.js';
import type { Upid } from './upid.js';

/**
 * One PVE task as the kit's `OperationWaiter` reads it: its status on each poll ("no such task" right after it
 * started counts as running), and for a failed one the tail of its log (`details.log`) and its UPID. With a node
 * watch, a poll that a fresh read of the node's tasks answers costs no status call: the read says the task runs,
 * or how it ended. The task's end is pushed to the waiter (`subscribe`) by the first read that shows it.
 */
export function taskSource(
  tasks: TaskService,
  ref: OperationRef & { readonly task: Upid },
  watch?: NodeTaskWatch,
): OperationSource {
  const { node } = ref.task;
  let since: number | undefined;
  /** The list item that showed the task ended. */
  let ended: TaskListItem | undefined;
  return {
    poll: async (signal) => {
      if (ended !== undefined) return tasks.endedAsListed(ref, ended, signal);
      if (watch && since !== undefined) {
        const listed = await watch.lookup(node, ref.upid, since, signal);
        if (listed?.state === 'ended') {
          ended = listed.item;
          return tasks.endedAsListed(ref, ended, signal);
        }
        if (listed?.state === 'running') return tasks.running(ref);
      }
      return tasks.get(ref, signal);
    },
    ...(watch === undefined
      ? {}
      : {
          subscribe: (onChange: () => void) => {
            since = performance.now();
            return watch.subscribe(node, { upid: ref.upid, starttime: ref.task.starttime }, (item) => {
              ended ??= item;
              onChange();
            });
          },
        }),
    failureDetails: async (_operation, signal) => ({
      log: await tasks.logTail(ref, LOG_TAIL_LINES, signal).catch((): string[] => []),
      upid: tasks.publicUpid(ref.upid),
    }),
  };
}
