import {
  HypervisorError,
  isHypervisorError,
  type Operation,
  type OperationType,
} from '@hvc/hypervisor-connector';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { pveRecords } from '../schemas/pve-record.js';
import { taskListItemFields } from '../schemas/record-fields.js';
import { PveUpidSchema } from '../schemas/tasks.js';
import { type PveParams, pvePath } from '../transport/form-encoding.js';
import { isTaskOf } from './task-types.js';

/** What the operation of a started task is for. */
export interface TaskOperation {
  readonly type: OperationType;
  readonly guestId: string;
  readonly startFollows?: boolean;
  /** The slot the write makes (an added disk or NIC). */
  readonly resourceId?: string;
}

/** A write that makes PVE start a task, sent to the endpoint of `node`. */
export interface TaskRequest {
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly params?: PveParams;
  readonly node: string;
  readonly signal: AbortSignal | undefined;
}

const TaskListSchema = pveRecords(taskListItemFields);
/** How far before the request a task it started may say it began (the node's clock against ours). */
const CLOCK_SKEW_SECONDS = 5;

/**
 * Sends `request` (once: it is a write) and returns the running operation of the task it started. When the answer is
 * lost after the request was sent (`mayHaveBeenApplied`), the task it may have started is looked up in the node's task
 * list: if exactly one task of the guest and of the operation's kind began since, the error carries its operation (`operationId`), so the caller can follow it instead of sending the write again.
 */
export async function startTask(
  pve: ProxmoxContext,
  request: TaskRequest,
  operation: TaskOperation,
): Promise<Operation> {
  const sentAt = Math.floor(Date.now() / 1000);
  try {
    const upid = await pve.client.call(request.method, request.path, request.params, PveUpidSchema, {
      node: request.node,
      signal: request.signal,
    });
    return pve.tasks.started({ ...operation, upid });
  } catch (error) {
    if (!isHypervisorError(error) || !error.mayHaveBeenApplied) throw error;
    throw await withTaskFound(pve, request, operation, sentAt, error);
  }
}

/** The VMID a request's task runs under: the guest of its path, or the `vmid` of a create. */
function taskVmid(request: TaskRequest): string | undefined {
  const inPath = /\/(?:qemu|lxc)\/(\d+)(?:\/|$)/.exec(request.path)?.[1];
  const param = request.params?.vmid;
  return inPath ?? (typeof param === 'number' || typeof param === 'string' ? String(param) : undefined);
}

async function withTaskFound(
  pve: ProxmoxContext,
  request: TaskRequest,
  operation: TaskOperation,
  sentAt: number,
  error: HypervisorError,
): Promise<HypervisorError> {
  const vmid = taskVmid(request);
  if (vmid === undefined || request.signal?.aborted) return error;
  const since = sentAt - CLOCK_SKEW_SECONDS;
  let upids: string[];
  try {
    const tasks = await pve.client.get(
      pvePath('nodes', request.node, 'tasks'),
      { vmid, since, source: 'all', limit: 50 },
      TaskListSchema,
      { node: request.node, ...(request.signal ? { signal: request.signal } : {}) },
    );
    upids = tasks
      .filter((task) => (task.starttime ?? 0) >= since && isTaskOf(operation.type, task.type))
      .map((task) => task.upid);
  } catch {
    return error;
  }
  if (upids.length !== 1) return error;
  const found = pve.tasks.started({ ...operation, upid: upids[0] as string });
  return new HypervisorError(error.code, `${error.message}; PVE started the operation ${found.id}`, {
    cause: error,
    retryable: false,
    mayHaveBeenApplied: true,
    operationId: found.id,
    ...(error.target === undefined ? {} : { target: error.target }),
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}
