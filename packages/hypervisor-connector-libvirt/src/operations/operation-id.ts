import { NodeNameSchema, OPERATION_TYPES, type OperationType } from '@hvc/hypervisor-connector';
import { isGuestId } from '../domains/guest-id.js';

/**
 * Everything an operation id carries: what the operation does, on which node and guest, when it started, one
 * argument (a snapshot name, the destination node, the shutdown deadline, whether a new guest starts) and the id the
 * starting process's `OperationRecords` gave it. Any connector of the same target can judge the operation from
 * libvirt's state with it; the process that started it also finds its exact record.
 */
export interface OperationRef {
  /** The whole id. */
  readonly id: string;
  readonly type: OperationType;
  /** The node the operation runs on (for a migration, the source). */
  readonly node: string;
  /** The guest's UUID (for create and clone, the new guest's, chosen before it exists). */
  readonly uuid: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  /** The operation's argument, or `''`. */
  readonly arg: string;
  /** The starting process's record id: `<instance nonce>-<n>`. */
  readonly recordId: string;
}

const PREFIX = 'lv1';
const ARG = /^[A-Za-z0-9_-]{0,63}$/;
const RECORD_ID = /^[a-z0-9]{1,16}-[0-9]{1,15}$/;
const TYPES = new Set<string>(OPERATION_TYPES);

/**
 * `lv1:<type>:<node>:<uuid>:<started, base 36 ms>:<arg>:<record id>`, e.g.
 * `lv1:shutdown:kvm1:6f1c…:m3k2a9x1:d120:k8f2q1zx-7`.
 */
export function encodeOperationId(ref: Omit<OperationRef, 'id'>): string {
  return [PREFIX, ref.type, ref.node, ref.uuid, ref.startedAt.toString(36), ref.arg, ref.recordId].join(':');
}

/** The parts of an id made by {@link encodeOperationId}; `undefined` for any other string. */
export function decodeOperationId(id: string): OperationRef | undefined {
  const parts = id.split(':');
  if (parts.length !== 7 || parts[0] !== PREFIX) return undefined;
  const [, type, node, uuid, started, arg, recordId] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const startedAt = Number.parseInt(started, 36);
  if (
    !TYPES.has(type) ||
    !NodeNameSchema.safeParse(node).success ||
    !isGuestId(uuid) ||
    !/^[0-9a-z]{1,11}$/.test(started) ||
    !Number.isSafeInteger(startedAt) ||
    !ARG.test(arg) ||
    !RECORD_ID.test(recordId)
  ) {
    return undefined;
  }
  return { id, type: type as OperationType, node, uuid, startedAt, arg, recordId };
}
