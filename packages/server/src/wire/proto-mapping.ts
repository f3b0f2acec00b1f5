import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import { type Timestamp, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  type CapabilitiesSchema,
  ConsoleProtocol,
  GuestSchema,
  GuestState,
  GuestType,
  type HostNodeSchema,
  HostNodeStatus,
  type MemberSchema,
  MembershipStatus,
  type MetricSeriesSchema,
  MetricTimeframe,
  type OperationSchema,
  OperationStatus,
  Role,
  type SnapshotSchema,
  type TargetInfoSchema,
  type TargetSchema,
} from '@hvc/client/v1';
import {
  type Capabilities,
  type MetricTimeframe as ContractTimeframe,
  capabilityNamesOf,
  type Guest,
  type HostNode,
  InvalidArgumentError,
  type MetricSeries,
  type Operation,
  type Snapshot,
  type TargetInfo,
} from '@hvc/hypervisor-connector';
import type { MemberRecord, TargetRecord } from '../domain/records.js';
import type { Role as StoredRole } from '../domain/roles.js';
import { plainJsonObject } from './plain-json.js';
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
const NODE_STATUSES = {
  online: HostNodeStatus.ONLINE,
  offline: HostNodeStatus.OFFLINE,
  unknown: HostNodeStatus.UNKNOWN,
} as const;
const CONSOLE_PROTOCOLS = {
  vnc: ConsoleProtocol.VNC,
  spice: ConsoleProtocol.SPICE,
  terminal: ConsoleProtocol.TERMINAL,
} as const;
const TIMEFRAMES = {
  hour: MetricTimeframe.HOUR,
  day: MetricTimeframe.DAY,
  week: MetricTimeframe.WEEK,
  month: MetricTimeframe.MONTH,
  year: MetricTimeframe.YEAR,
} as const;

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

/**
 * The contract timeframe of a proto enum value: the last hour for UNSPECIFIED, INVALID_ARGUMENT for a number this
 * server does not know (proto3 enums are open).
 */
export function metricTimeframeFromProto(timeframe: MetricTimeframe): ContractTimeframe {
  if (timeframe === MetricTimeframe.UNSPECIFIED) return 'hour';
  const entry = Object.entries(TIMEFRAMES).find(([, value]) => value === timeframe);
  if (entry) return entry[0] as ContractTimeframe;
  throw new InvalidArgumentError(`invalid timeframe: ${timeframe} is not a timeframe`, {
    violations: [{ field: 'timeframe', message: 'not a timeframe' }],
  });
}

/** A protobuf timestamp of an ISO 8601 time; undefined for none or an unparsable one. */
export function time(iso: string | undefined): Timestamp | undefined {
  if (iso === undefined) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : timestampFromDate(date);
}

/** A uint64 of a count or size; undefined for none, a negative or a non-finite number. */
export function uint(value: number | undefined): bigint | undefined {
  return value === undefined || !Number.isFinite(value) || value < 0 ? undefined : BigInt(Math.round(value));
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
  if (!options.binary) return { ...init, raw: plainJsonObject(guest.raw) };
  const message = create(GuestSchema, init);
  message.$unknown = [
    {
      no: RAW_FIELD,
      wireType: WireType.LengthDelimited,
      data: structFieldPayload(plainJsonObject(guest.raw)),
    },
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
    resourceId: operation.resourceId,
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
    config: plainJsonObject(target.config),
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

/** A host node as the API returns it. */
export function nodeToProto(node: HostNode): MessageInitShape<typeof HostNodeSchema> {
  return {
    name: node.name,
    status: NODE_STATUSES[node.status],
    cpus:
      node.cpus === undefined || !Number.isFinite(node.cpus) ? undefined : Math.max(0, Math.round(node.cpus)),
    memoryBytes: uint(node.memoryBytes),
    usage: node.usage && {
      cpu: node.usage.cpu,
      memoryBytes: uint(node.usage.memoryBytes),
      uptimeSeconds: uint(node.usage.uptimeSeconds),
    },
    raw: plainJsonObject(node.raw),
  };
}

/** Nodes ordered by name, as the API lists them. */
export function nodesToProto(nodes: readonly HostNode[]): MessageInitShape<typeof HostNodeSchema>[] {
  return [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(nodeToProto);
}

/** A target's capabilities as the API returns them. */
export function capabilitiesToProto(capabilities: Capabilities): MessageInitShape<typeof CapabilitiesSchema> {
  const limits = Object.entries(capabilities.unsupportedByGuestType ?? {}) as Array<
    [Guest['type'], Readonly<Record<string, string | undefined>> | undefined]
  >;
  return {
    guestTypes: capabilities.guestTypes.map((type) => GUEST_TYPES[type]),
    create: capabilities.create,
    update: capabilities.update,
    clone: { full: capabilities.clone.full, linked: capabilities.clone.linked },
    snapshots: capabilities.snapshots,
    memorySnapshots: capabilities.memorySnapshots,
    migration: { offline: capabilities.migration.offline, live: capabilities.migration.live },
    suspend: capabilities.suspend,
    reset: capabilities.reset,
    console: capabilities.console.map((protocol) => CONSOLE_PROTOCOLS[protocol]),
    metrics: capabilities.metrics,
    cancelOperation: capabilities.cancelOperation,
    notes: { ...capabilities.notes },
    unsupportedByGuestType: limits
      .sort(([a], [b]) => GUEST_TYPES[a] - GUEST_TYPES[b])
      .map(([type, unsupported]) => ({ type: GUEST_TYPES[type], unsupported: strings(unsupported) })),
    names: capabilityNamesOf(capabilities),
  };
}

/** The string values of a record, without the absent ones. */
function strings(record: Readonly<Record<string, string | undefined>> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** What `describe()` told about a target, as the API returns it. */
export function targetInfoToProto(
  info: TargetInfo,
  targetId: string,
): MessageInitShape<typeof TargetInfoSchema> {
  return {
    targetId,
    kind: info.kind,
    specificationVersion: info.specificationVersion,
    version: info.version,
    clusterName: info.clusterName,
    nodes: nodesToProto(info.nodes),
    capabilities: capabilitiesToProto(info.capabilities),
    raw: plainJsonObject(info.raw),
  };
}

/** A guest's metric series as the API returns it. */
export function metricSeriesToProto(
  series: MetricSeries,
  targetId: string,
): MessageInitShape<typeof MetricSeriesSchema> {
  return {
    targetId,
    guestId: series.guestId,
    timeframe: TIMEFRAMES[series.timeframe],
    resolutionSeconds: Math.max(0, Math.round(series.resolutionSeconds)),
    points: series.points.map((point) => ({
      time: time(point.time),
      cpu: point.cpu,
      memoryBytes: uint(point.memoryBytes),
      memoryTotalBytes: uint(point.memoryTotalBytes),
      netInBytesPerSecond: point.netInBytesPerSecond,
      netOutBytesPerSecond: point.netOutBytesPerSecond,
      diskReadBytesPerSecond: point.diskReadBytesPerSecond,
      diskWriteBytesPerSecond: point.diskWriteBytesPerSecond,
    })),
  };
}
