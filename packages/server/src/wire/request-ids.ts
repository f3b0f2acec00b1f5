import { GuestIdSchema, OperationIdSchema, parseInput, SnapshotNameSchema } from '@hvc/hypervisor-connector';
import { z } from 'zod';

/** A target id: lower case letters, digits and `-`, starting with a letter or digit, 1..63 characters. */
export const TargetIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'not a target id (lower case letters, digits and "-", at most 63)');

/** An organisation id: the same alphabet as target ids. */
export const OrganizationIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'not an organisation id (lower case letters, digits and "-", at most 63)',
  );

/** The target id of a request, or INVALID_ARGUMENT. */
export function parseTargetId(value: string): string {
  return parseInput(TargetIdSchema, value, 'target_id');
}

/** The guest id of a request, or INVALID_ARGUMENT. */
export function parseGuestId(value: string): string {
  return parseInput(GuestIdSchema, value, 'guest_id');
}

/** The operation id of a request, or INVALID_ARGUMENT. */
export function parseOperationId(value: string): string {
  return parseInput(OperationIdSchema, value, 'operation_id');
}

/** The snapshot name of a request, or INVALID_ARGUMENT. */
export function parseSnapshotName(value: string): string {
  return parseInput(SnapshotNameSchema, value, 'name');
}
