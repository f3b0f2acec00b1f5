import { fromJson, type JsonValue, type MessageInitShape } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import {
  type EnsureGuestResponseSchema,
  GuestChangeApplication,
  type GuestChangeSchema,
} from '@hvc/client/v1';
import type { Guest } from '@hvc/hypervisor-connector';
import type { EnsureChange, EnsureResult } from '@hvc/hypervisor-connector-kit';
import { guestToProto, operationToProto } from './proto-mapping.js';

const APPLICATIONS: Readonly<Record<EnsureChange['applied'], GuestChangeApplication>> = {
  now: GuestChangeApplication.NOW,
  'on-restart': GuestChangeApplication.ON_RESTART,
  'not-applied': GuestChangeApplication.NOT_APPLIED,
};

/** A change's `from` or `to` (numbers, strings, string lists) as JSON; absent stays absent. */
function jsonOf(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map((item) => jsonOf(item) ?? null);
  return String(value);
}

/** One difference `ensureGuest` reported, as the API returns it. */
export function guestChangeToProto(change: EnsureChange): MessageInitShape<typeof GuestChangeSchema> {
  const from = jsonOf(change.from);
  const to = jsonOf(change.to);
  return {
    field: change.field,
    from: from === undefined ? undefined : fromJson(ValueSchema, from),
    to: to === undefined ? undefined : fromJson(ValueSchema, to),
    applied: APPLICATIONS[change.applied],
  };
}

/** What `ensureGuest` did, with the guest as it now is, as the answer of EnsureGuest on target `targetId`. */
export function ensureResultToProto(
  result: EnsureResult,
  guest: Guest,
  targetId: string,
  options: { readonly binary: boolean },
): MessageInitShape<typeof EnsureGuestResponseSchema> {
  return {
    guest: guestToProto(guest, targetId, options),
    created: result.created,
    changes: result.changes.map(guestChangeToProto),
    operations: result.operations.map((operation) => operationToProto(operation, targetId)),
  };
}
