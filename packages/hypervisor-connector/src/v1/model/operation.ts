import type { ErrorCode } from '../errors/error-codes.js';

/** What an operation does. The list may grow within v1: consumers keep a default branch. */
export const OPERATION_TYPES = [
  'create',
  'clone',
  'update',
  'delete',
  'start',
  'stop',
  'shutdown',
  'reboot',
  'reset',
  'suspend',
  'resume',
  'migrate',
  'snapshot.create',
  'snapshot.rollback',
  'snapshot.delete',
  'template.convert',
  'disk.resize',
  'disk.add',
  'disk.remove',
  'nic.add',
  'nic.remove',
  'other',
] as const;

/** One of {@link OPERATION_TYPES}. */
export type OperationType = (typeof OPERATION_TYPES)[number];

/** Where an operation can be in its life. */
export const OPERATION_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

/** Where an operation is in its life. `running` is the only state that changes. */
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/**
 * A long-running call on the hypervisor. Plain data: a server can return it, store it, and any replica can look it
 * up again by `id` with `getOperation`.
 */
export interface Operation {
  /** Opaque, stable id that carries all a connector needs to find the operation again (a Proxmox UPID, say). */
  readonly id: string;
  readonly type: OperationType;
  /** The guest the operation acts on, when it has one. For create and clone, the new guest. */
  readonly guestId?: string;
  /** What the operation made inside the guest: the slot of an added disk or NIC. */
  readonly resourceId?: string;
  readonly status: OperationStatus;
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601, once the operation has ended. */
  readonly endedAt?: string;
  /** Completion, 0..1, when the hypervisor reports it. */
  readonly progress?: number;
  /** Why it failed or was cancelled. */
  readonly error?: { readonly code: ErrorCode; readonly message: string };
  /** Warnings of an operation that succeeded with them. */
  readonly warnings?: readonly string[];
  /** The hypervisor's own record of the task. */
  readonly raw?: Readonly<Record<string, unknown>>;
}

/** Whether the operation has ended, one way or another. */
export function isOperationDone(operation: Pick<Operation, 'status'>): boolean {
  return operation.status !== 'running';
}
