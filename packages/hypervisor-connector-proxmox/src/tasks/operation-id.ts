import { InvalidArgumentError, OPERATION_TYPES, type OperationType } from '@hvc/hypervisor-connector';
import { tryParseUpid, type Upid } from './upid.js';

/** What an operation id carries: enough for any process to find the PVE task again and say what it was for. */
export interface OperationRef {
  readonly type: OperationType;
  /** The guest the operation acts on (`qemu/100`), when it has one. */
  readonly guestId?: string;
  /** The task's UPID; it names the node that runs the task. */
  readonly upid: string;
}

const PREFIX = 'pve1.';
const GUEST_ID = /^(qemu|lxc)\/[1-9][0-9]{2,8}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Encodes an operation reference into an opaque, URL-safe operation id (`pve1.<base64url>`). */
export function encodeOperationId(ref: OperationRef): string {
  const text = `${ref.type}\n${ref.guestId ?? ''}\n${ref.upid}`;
  return PREFIX + Buffer.from(text, 'utf8').toString('base64url');
}

/** Decodes and validates an operation id; anything that is not one of ours is INVALID_ARGUMENT. */
export function decodeOperationId(id: string): OperationRef & { readonly task: Upid } {
  const invalid = (message: string) =>
    new InvalidArgumentError(`invalid operation id: ${message}`, {
      violations: [{ field: 'operationId', message }],
    });
  if (typeof id !== 'string' || !id.startsWith(PREFIX)) throw invalid('not a Proxmox operation id');
  const body = id.slice(PREFIX.length);
  if (body.length === 0 || body.length > 700 || !BASE64URL.test(body)) throw invalid('malformed');
  const parts = Buffer.from(body, 'base64url').toString('utf8').split('\n');
  if (parts.length !== 3) throw invalid('malformed');
  const [type, guestId, upid] = parts as [string, string, string];
  if (!(OPERATION_TYPES as readonly string[]).includes(type)) throw invalid('unknown operation type');
  if (guestId !== '' && !GUEST_ID.test(guestId)) throw invalid('malformed guest id');
  const task = tryParseUpid(upid);
  if (!task) throw invalid('malformed task id');
  return {
    type: type as OperationType,
    ...(guestId === '' ? {} : { guestId }),
    upid,
    task,
  };
}
