import { create, type JsonObject, type MessageInitShape } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import { type Timestamp, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  GuestSchema,
  GuestState,
  GuestType,
  type MemberSchema,
  MembershipStatus,
  type OperationSchema,
  OperationStatus,
  Role,
  type SnapshotSchema,
  type TargetSchema,
} from '@hvc/client/v1';
import type { Guest, Operation, Snapshot } from '@hvc/hypervisor-connector';
import type { MemberRecord, TargetRecord } from '../domain/records.js';
import type { Role as StoredRole } from '../domain/roles.js';
import { structFieldPayload } from './struct-wire.js';

const GUEST_TYPES = { vm: GuestType.VM, container: GuestType.CONTAINER } as const;
const GUEST_STATES = {
  running: GuestState.RUNNING,
  stopped: GuestState.STOPPED,
  paused: GuestState.PAUSED,
  suspended: GuestState.SUSPENDED,
  unknown: GuestState.UNKNOWN,
} as const;
const OPERATION_STATUSES = {
  running: OperationStatus.RUNNING,
  succeeded: OperationStatus.SUCCEEDED,
  failed: OperationStatus.FAILED,
  cancelled: OperationStatus.CANCELLED,
} as const;
const ROLES = { viewer: Role.VIEWER, operator: Role.OPERATOR, admin: Role.ADMIN } as const;

/** The contract guest type of a proto enum value, or undefined for UNSPECIFIED. */
export function guestTypeFromProto(type: GuestType): Guest['type'] | undefined {
  return type === GuestType.VM ? 'vm' : type === GuestType.CONTAINER ? 'container' : undefined;
}

/** The contract guest state of a proto enum value, or undefined for UNSPECIFIED. */
export function guestStateFromProto(state: GuestState): Guest['state'] | undefined {
  const entry = Object.entries(GUEST_STATES).find(([, value]) => value === state);
  return entry?.[0] as Guest['state'] | undefined;
}

/** The stored role of a proto enum value, or undefined for UNSPECIFIED. */
export function roleFromProto(role: Role): StoredRole | undefined {
  const entry = Object.entries(ROLES).find(([, value]) => value === role);
  return entry?.[0] as StoredRole | undefined;
}

function time(iso: string | undefined): Timestamp | undefined {
  if (iso === undefined) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : timestampFromDate(date);
}

function uint(value: number | undefined): bigint | undefined {
  return value === undefined || !Number.isFinite(value) || value < 0 ? undefined : BigInt(Math.round(value));
}

/** A plain JSON copy: drops undefined values and anything JSON cannot carry. */
function json(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value ?? {})) as JsonObject;
}

/**
 * A guest as the API returns it. With `binary` (the answer is binary protobuf), its `raw` record is encoded here
 * straight to its wire bytes, the same the generic encoder would write at many times the cost.
 */
export function guestToProto(
  guest: Guest,
  targetId: string,
  options: { readonly binary?: boolean } = {},
): MessageInitShape<typeof GuestSchema> {
  const init = guestFields(guest, targetId);
  if (!options.binary) return { ...init, raw: json(guest.raw) };
  const message = create(GuestSchema, init);
  message.$unknown = [
    { no: RAW_FIELD, wireType: WireType.LengthDelimited, data: structFieldPayload(json(guest.raw)) },
  ];
  return message;
}

const RAW_FIELD = GuestSchema.field.raw.number;

function guestFields(guest: Guest, targetId: string): MessageInitShape<typeof GuestSchema> {
  return {
    id: guest.id,
    targetId,
    type: GUEST_TYPES[guest.type],
    name: guest.name,
    node: guest.node,
    state: GUEST_STATES[guest.state],
    template: guest.template,
    lock: guest.lock,
    tags: [...guest.tags],
    pool: guest.pool,
    resources: {
      cpus: guest.resources.cpus,
      memoryBytes: uint(guest.resources.memoryBytes) ?? 0n,
      diskBytes: uint(guest.resources.diskBytes),
    },
    usage: guest.usage && {
      cpu: guest.usage.cpu,
      memoryBytes: uint(guest.usage.memoryBytes),
      diskBytes: uint(guest.usage.diskBytes),
      uptimeSeconds: uint(guest.usage.uptimeSeconds),
      netInBytes: uint(guest.usage.netInBytes),
      netOutBytes: uint(guest.usage.netOutBytes),
    },
  };
}

/** An operation as the API returns it. */
export function operationToProto(
  operation: Operation,
  targetId: string,
): MessageInitShape<typeof OperationSchema> {
  return {
    id: operation.id,
    targetId,
    type: operation.type,
    guestId: operation.guestId,
    status: OPERATION_STATUSES[operation.status],
    startTime: time(operation.startedAt),
    endTime: time(operation.endedAt),
    progress: operation.progress,
    error: operation.error && {
      code: operation.error.code,
      message: operation.error.message,
    },
    warnings: [...(operation.warnings ?? [])],
  };
}

/** A snapshot as the API returns it. */
export function snapshotToProto(snapshot: Snapshot): MessageInitShape<typeof SnapshotSchema> {
  return {
    name: snapshot.name,
    description: snapshot.description,
    createTime: time(snapshot.createdAt),
    parent: snapshot.parent,
    includesMemory: snapshot.includesMemory,
  };
}

/** A target as the API returns it: never with its credentials. */
export function targetToProto(target: TargetRecord): MessageInitShape<typeof TargetSchema> {
  return {
    id: target.id,
    organizationId: target.organizationId,
    displayName: target.displayName,
    kind: target.kind,
    config: json(target.config),
    hasCredentials: target.hasCredentials,
    createTime: time(target.createdAt),
    updateTime: time(target.updatedAt),
  };
}

/** A member as the API returns it: the identity, and what this organisation's membership says. */
export function memberToProto(member: MemberRecord): MessageInitShape<typeof MemberSchema> {
  return {
    userId: member.user.id,
    organizationId: member.organizationId,
    issuer: member.user.issuer,
    subject: member.user.subject,
    email: member.email,
    displayName: member.displayName,
    role: ROLES[member.role],
    disabled: member.disabled,
    status: member.status === 'active' ? MembershipStatus.ACTIVE : MembershipStatus.INVITED,
  };
}
