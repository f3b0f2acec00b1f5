import type { Operation, OperationType } from '@hvc/hypervisor-connector';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { PveUpidSchema } from '../schemas/tasks.js';
import type { PveParams } from '../transport/form-encoding.js';

/** A write that makes PVE start a task, sent to the endpoint of `node`. */
export interface TaskRequest {
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly params?: PveParams;
  readonly node: string;
  readonly signal: AbortSignal | undefined;
}

/** Sends `request` (once: it is a write) and returns the running operation of the task it started. */
export async function startTask(
  pve: ProxmoxContext,
  request: TaskRequest,
  operation: { readonly type: OperationType; readonly guestId: string },
): Promise<Operation> {
  const upid = await pve.client.call(request.method, request.path, request.params, PveUpidSchema, {
    node: request.node,
    signal: request.signal,
  });
  return pve.tasks.started({ ...operation, upid });
}
