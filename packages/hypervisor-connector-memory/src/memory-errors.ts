import { ConflictError, InvalidArgumentError, NotFoundError } from '@hvc/hypervisor-connector';
import { configDigest, type GuestRecord } from './guest-record.js';

/** Where an error came from: the target id the factory was given, when there is one. */
export interface ErrorOrigin {
  readonly target?: string;
}

function origin(from: ErrorOrigin): { target?: string } {
  return from.target === undefined ? {} : { target: from.target };
}

/** NOT_FOUND for a guest id that names no guest. */
export function guestNotFound(guestId: string, from: ErrorOrigin): NotFoundError {
  return new NotFoundError(`guest ${guestId} not found`, { ...origin(from), details: { guestId } });
}

/** CONFLICT, retryable: an operation holds the guest's lock. */
export function lockedConflict(guest: GuestRecord, from: ErrorOrigin): ConflictError {
  return new ConflictError(`guest ${guest.id} is locked (${guest.lock})`, {
    ...origin(from),
    retryable: true,
    details: { guestId: guest.id, reason: 'locked', lock: guest.lock },
  });
}

/**
 * Why a guest refuses a call: its power `state`, being (or not being) a `template`, the `digest` an `ifMatch`
 * named, or the `linked-clones` that still use a template.
 */
export type ConflictReason = 'state' | 'template' | 'digest' | 'linked-clones';

/**
 * CONFLICT, not retryable: the guest is in the wrong state for the call (running where it must be stopped, a
 * template where it must not be, ...). Retrying the same call changes nothing until something else changes the
 * guest.
 */
export function stateConflict(
  guest: GuestRecord,
  message: string,
  from: ErrorOrigin,
  reason: ConflictReason = 'state',
): ConflictError {
  return new ConflictError(message, {
    ...origin(from),
    retryable: false,
    details: { guestId: guest.id, reason, state: guest.state, template: guest.template },
  });
}

/** INVALID_ARGUMENT about one field of the input. */
export function invalidField(field: string, message: string, from: ErrorOrigin): InvalidArgumentError {
  return new InvalidArgumentError(`invalid input: ${field}: ${message}`, {
    ...origin(from),
    violations: [{ field, message }],
  });
}

/** NOT_FOUND for a node the target does not have. */
export function nodeNotFound(node: string, from: ErrorOrigin): NotFoundError {
  return new NotFoundError(`node ${node} not found`, { ...origin(from), details: { node } });
}

/** NOT_FOUND for a snapshot the guest does not have. */
export function snapshotNotFound(guest: GuestRecord, name: string, from: ErrorOrigin): NotFoundError {
  return new NotFoundError(`snapshot ${name} of guest ${guest.id} not found`, {
    ...origin(from),
    details: { guestId: guest.id, snapshot: name },
  });
}

/** NOT_FOUND for a storage the target does not have, named by the query or spec field `field`. */
export function storageNotFound(storage: string, from: ErrorOrigin, field = 'storage'): NotFoundError {
  return new NotFoundError(`storage ${storage} not found`, {
    ...origin(from),
    details: { resource: 'storage', id: storage, field },
  });
}

/** CONFLICT (not retryable, reason `digest`) unless `ifMatch` is absent or the guest's current digest. */
export function requireIfMatch(guest: GuestRecord, ifMatch: string | undefined, from: ErrorOrigin): void {
  if (ifMatch === undefined || ifMatch === configDigest(guest)) return;
  throw stateConflict(
    guest,
    `guest ${guest.id} changed since it was read: ifMatch does not match its digest`,
    from,
    'digest',
  );
}
