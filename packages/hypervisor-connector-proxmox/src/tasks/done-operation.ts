import {
  InvalidArgumentError,
  OPERATION_TYPES,
  type Operation,
  type OperationType,
} from '@hvc/hypervisor-connector';

const PREFIX = 'pve1d.';
const GUEST_ID = /^(qemu|lxc)\/[1-9][0-9]{2,8}$/;
const RESOURCE_ID = /^[a-z][a-z0-9]{0,15}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * An operation born succeeded: what a write PVE answers synchronously (an LXC template conversion) or one with
 * nothing to do (converting a template) returns. Its id (`pve1d.<base64url>`) carries the type, the guest and the
 * time, so any process decodes it without I/O.
 */
export function doneOperation(
  type: OperationType,
  guestId: string,
  resourceId?: string,
  at: number = Date.now(),
): Operation {
  const text = [type, guestId, String(at), ...(resourceId === undefined ? [] : [resourceId])].join('\n');
  const id = PREFIX + Buffer.from(text, 'utf8').toString('base64url');
  return decodeDoneOperation(id);
}

/** Whether `id` is the id of an operation born succeeded. */
export function isDoneOperationId(id: string): boolean {
  return id.startsWith(PREFIX);
}

/** The operation an id of {@link doneOperation} stands for; INVALID_ARGUMENT for a malformed one. */
export function decodeDoneOperation(id: string): Operation {
  const body = id.slice(PREFIX.length);
  const parts =
    body.length > 0 && body.length <= 200 && BASE64URL.test(body)
      ? Buffer.from(body, 'base64url').toString('utf8').split('\n')
      : [];
  const [type, guestId, at, resourceId] = parts;
  const time = Number(at);
  if (
    (parts.length !== 3 && !(parts.length === 4 && RESOURCE_ID.test(resourceId ?? ''))) ||
    !(OPERATION_TYPES as readonly string[]).includes(type ?? '') ||
    !GUEST_ID.test(guestId ?? '') ||
    !Number.isSafeInteger(time) ||
    time < 0
  ) {
    throw new InvalidArgumentError('invalid operation id: malformed', {
      violations: [{ field: 'operationId', message: 'malformed' }],
    });
  }
  const iso = new Date(time).toISOString();
  return {
    id,
    type: type as OperationType,
    guestId: guestId as string,
    ...(resourceId === undefined ? {} : { resourceId }),
    status: 'succeeded',
    progress: 1,
    startedAt: iso,
    endedAt: iso,
  };
}
