import { InvalidArgumentError, OPERATION_TYPES, type OperationType } from '@hvc/hypervisor-connector';
import { tryParseUpid, type Upid } from './upid.js';

/** What an operation id carries: enough for any process to find the PVE task again and say what it was for. */
export interface OperationRef {
  readonly type: OperationType;
  /** The guest the operation acts on (`qemu/100`), when it has one. */
  readonly guestId?: string;
  /** The task's UPID; it names the node that runs the task. */
  readonly upid: string;
  /**
   * PVE starts the guest in a task of its own once this one has ended (a create or rollback with `start`), so the
   * operation is done only when the guest runs.
   */
  readonly startFollows?: boolean;
  /** What the operation makes inside the guest (the slot of an added disk or NIC). */
  readonly resourceId?: string;
}

const PREFIX = 'pve1.';
/**
 * What stands for the connector's own user or token in the UPID an operation id carries: a UPID names who started
 * the task (`…:<type>:<id>:root@pam!ci:`), and an operation id handed to API clients must not reveal the token id. No
 * PVE user is called `@` (user ids are `name@realm`).
 */
const OWN = '@';
/** The id's fourth line when PVE starts the guest after the task (`OperationRef.startFollows`). */
const START_FOLLOWS = 'start';
/** The prefix of the id's line that carries `OperationRef.resourceId`. */
const RESOURCE = 'resource=';
const RESOURCE_ID = /^[a-z][a-z0-9]{0,15}$/;
const GUEST_ID = /^(qemu|lxc)\/[1-9][0-9]{2,8}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The UPID with `owner` (the connector's `user@realm` or `user@realm!tokenid`) replaced by a placeholder when it
 * started the task, as operation ids and the operations' `raw` carry it; other UPIDs are left as they are.
 */
export function publicUpid(upid: string, owner: string | undefined): string {
  return owner !== undefined && upid.endsWith(`:${owner}:`)
    ? `${upid.slice(0, -owner.length - 1)}${OWN}:`
    : upid;
}

/**
 * Encodes an operation reference into an opaque, URL-safe operation id (`pve1.<base64url>`). With `owner`, a task it
 * started carries a placeholder for it instead of the user or token id (see {@link decodeOperationId}).
 */
export function encodeOperationId(ref: OperationRef, owner?: string): string {
  const text = [
    ref.type,
    ref.guestId ?? '',
    publicUpid(ref.upid, owner),
    ...(ref.startFollows ? [START_FOLLOWS] : []),
    ...(ref.resourceId === undefined ? [] : [`${RESOURCE}${ref.resourceId}`]),
  ].join('\n');
  return PREFIX + Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * Decodes and validates an operation id; anything that is not one of ours is INVALID_ARGUMENT. The placeholder of the
 * owner becomes `owner` again (the UPID PVE knows the task by); without an owner it stays.
 */
export function decodeOperationId(id: string, owner?: string): OperationRef & { readonly task: Upid } {
  const invalid = (message: string) =>
    new InvalidArgumentError(`invalid operation id: ${message}`, {
      violations: [{ field: 'operationId', message }],
    });
  if (typeof id !== 'string' || !id.startsWith(PREFIX)) throw invalid('not a Proxmox operation id');
  const body = id.slice(PREFIX.length);
  if (body.length === 0 || body.length > 700 || !BASE64URL.test(body)) throw invalid('malformed');
  const parts = Buffer.from(body, 'base64url').toString('utf8').split('\n');
  if (parts.length < 3) throw invalid('malformed');
  const [type, guestId, carried, ...extra] = parts as [string, string, string, ...string[]];
  const startFollows = extra[0] === START_FOLLOWS;
  const tagged = startFollows ? extra.slice(1) : extra;
  const resourceId = tagged[0]?.startsWith(RESOURCE) ? tagged[0].slice(RESOURCE.length) : undefined;
  if (tagged.length > (resourceId === undefined ? 0 : 1)) throw invalid('malformed');
  if (resourceId !== undefined && !RESOURCE_ID.test(resourceId)) throw invalid('malformed resource id');
  const upid =
    owner !== undefined && carried.endsWith(`:${OWN}:`)
      ? `${carried.slice(0, -OWN.length - 1)}${owner}:`
      : carried;
  if (!(OPERATION_TYPES as readonly string[]).includes(type)) throw invalid('unknown operation type');
  if (guestId !== '' && !GUEST_ID.test(guestId)) throw invalid('malformed guest id');
  const task = tryParseUpid(upid);
  if (!task) throw invalid('malformed task id');
  return {
    type: type as OperationType,
    ...(guestId === '' ? {} : { guestId }),
    upid,
    task,
    ...(startFollows ? { startFollows: true } : {}),
    ...(resourceId === undefined ? {} : { resourceId }),
  };
}
