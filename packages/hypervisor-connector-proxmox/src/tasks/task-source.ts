import type { OperationSource } from '@hvc/hypervisor-connector-kit';
import type { OperationRef } from './operation-id.js';
import { LOG_TAIL_LINES, type TaskService } from './task-service.js';
import type { Upid } from './upid.js';

/**
 * One PVE task as the kit's `OperationWaiter` reads it: its status on each poll ("no such task" right after it
 * started counts as running), and for a failed one the tail of its log (`details.log`) and its UPID.
 */
export function taskSource(tasks: TaskService, ref: OperationRef & { readonly task: Upid }): OperationSource {
  return {
    poll: (signal) => tasks.get(ref, signal),
    failureDetails: async (_operation, signal) => ({
      log: await tasks.logTail(ref, LOG_TAIL_LINES, signal).catch((): string[] => []),
      upid: tasks.publicUpid(ref.upid),
    }),
  };
}
