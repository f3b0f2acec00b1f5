import { toJson } from '@bufbuild/protobuf';
import { timestampDate, timestampMs, ValueSchema } from '@bufbuild/protobuf/wkt';
import { wire } from '@hvc/client';
import type { Colors } from './colors.js';
import type { View } from './printer.js';
import { age, bytes, enumWord, shortDuration, words } from './values.js';

const guestState = (state: wire.GuestState, c: Colors) => {
  const word = enumWord(wire.GuestState, state);
  return state === wire.GuestState.RUNNING
    ? c.green(word)
    : state === wire.GuestState.STOPPED
      ? c.dim(word)
      : c.yellow(word);
};

/** An operation's status, coloured: running yellow, succeeded green, failed and cancelled red. */
function operationStatus(status: wire.OperationStatus, c: Colors): string {
  const word = enumWord(wire.OperationStatus, status);
  if (status === wire.OperationStatus.SUCCEEDED) return c.green(word);
  if (status === wire.OperationStatus.RUNNING) return c.yellow(word);
  return c.red(word);
}

/** Targets: `hvc targets list|get|create|update`. */
export const TARGETS: View<typeof wire.TargetSchema> = {
  schema: wire.TargetSchema,
  noun: 'targets',
  columns: [
    { header: 'ID', value: (t) => t.id },
    { header: 'KIND', value: (t) => t.kind },
    { header: 'NAME', value: (t) => t.displayName || '-' },
    { header: 'ORGANIZATION', value: (t) => t.organizationId },
    { header: 'CREDENTIALS', value: (t) => (t.hasCredentials ? 'stored' : 'none'), wide: true },
    { header: 'AGE', value: (t) => age(t.createTime) },
  ],
};

/** Guests: `hvc guests list|get`. */
export const GUESTS: View<typeof wire.GuestSchema> = {
  schema: wire.GuestSchema,
  noun: 'guests',
  columns: [
    { header: 'ID', value: (g) => g.id },
    { header: 'NAME', value: (g) => g.name || '-' },
    { header: 'TYPE', value: (g) => enumWord(wire.GuestType, g.type) + (g.template ? ' template' : '') },
    { header: 'STATE', value: (g, c) => guestState(g.state, c) },
    { header: 'NODE', value: (g) => g.node || '-' },
    { header: 'CPUS', value: (g) => String(g.resources?.cpus ?? '-') },
    { header: 'MEMORY', value: (g) => bytes(g.resources?.memoryBytes) },
    { header: 'DISK', value: (g) => bytes(g.resources?.diskBytes), wide: true },
    {
      header: 'UPTIME',
      value: (g) => (g.usage?.uptimeSeconds ? shortDuration(Number(g.usage.uptimeSeconds) * 1000) : '-'),
      wide: true,
    },
    { header: 'POOL', value: (g) => g.pool ?? '-', wide: true },
    { header: 'TAGS', value: (g) => words(g.tags), wide: true },
    { header: 'LOCK', value: (g) => g.lock ?? '-', wide: true },
  ],
};

/** A change's `from` or `to` as one cell: JSON, `-` when absent. */
const changeValue = (value: wire.GuestChange['from']) =>
  value === undefined ? '-' : JSON.stringify(toJson(ValueSchema, value));

/** Differences between a guest and its spec: `hvc guests ensure`. */
export const GUEST_CHANGES: View<typeof wire.GuestChangeSchema> = {
  schema: wire.GuestChangeSchema,
  noun: 'changes',
  columns: [
    { header: 'FIELD', value: (change) => change.field },
    { header: 'FROM', value: (change) => changeValue(change.from) },
    { header: 'TO', value: (change) => changeValue(change.to) },
    { header: 'APPLIED', value: (change) => enumWord(wire.GuestChangeApplication, change.applied) },
  ],
};

/** Snapshots: `hvc snapshots list`. */
export const SNAPSHOTS: View<typeof wire.SnapshotSchema> = {
  schema: wire.SnapshotSchema,
  noun: 'snapshots',
  columns: [
    { header: 'NAME', value: (s) => s.name },
    { header: 'PARENT', value: (s) => s.parent ?? '-' },
    { header: 'MEMORY', value: (s) => (s.includesMemory ? 'yes' : 'no') },
    { header: 'AGE', value: (s) => age(s.createTime) },
    { header: 'DESCRIPTION', value: (s) => s.description || '-', wide: true },
  ],
};

/** Operations: what every long-running command returns, and `hvc operations get|cancel|watch`. */
export const OPERATIONS: View<typeof wire.OperationSchema> = {
  schema: wire.OperationSchema,
  noun: 'operations',
  columns: [
    { header: 'TYPE', value: (o) => o.type },
    { header: 'GUEST', value: (o) => o.guestId ?? '-' },
    { header: 'STATUS', value: (o, c) => operationStatus(o.status, c) },
    {
      header: 'PROGRESS',
      value: (o) => (o.progress === undefined ? '-' : `${Math.round(o.progress * 100)}%`),
    },
    {
      header: 'DURATION',
      value: (o) =>
        o.startTime === undefined
          ? '-'
          : shortDuration(
              (o.endTime === undefined ? Date.now() : timestampMs(o.endTime)) - timestampMs(o.startTime),
            ),
    },
    {
      header: 'ERROR',
      value: (o) => (o.error === undefined ? '-' : `${o.error.code}: ${o.error.message}`),
      wide: true,
    },
    { header: 'TARGET', value: (o) => o.targetId, wide: true },
    // Last: an operation id is long and opaque, and the columns before it read better unpadded.
    { header: 'ID', value: (o) => o.id },
  ],
};

/** Members: `hvc members list|invite|update|disable`. */
export const MEMBERS: View<typeof wire.MemberSchema> = {
  schema: wire.MemberSchema,
  noun: 'members',
  columns: [
    { header: 'USER', value: (m) => m.userId },
    { header: 'ORGANIZATION', value: (m) => m.organizationId },
    { header: 'NAME', value: (m) => m.displayName || '-' },
    { header: 'EMAIL', value: (m) => m.email || '-' },
    { header: 'ROLE', value: (m) => enumWord(wire.Role, m.role) },
    { header: 'STATUS', value: (m) => enumWord(wire.MembershipStatus, m.status) },
    { header: 'DISABLED', value: (m, c) => (m.disabled ? c.red('yes') : 'no') },
    { header: 'ISSUER', value: (m) => m.issuer, wide: true },
    { header: 'SUBJECT', value: (m) => m.subject, wide: true },
  ],
};

const nodeStatus = (status: wire.HostNodeStatus, c: Colors) => {
  const word = enumWord(wire.HostNodeStatus, status);
  return status === wire.HostNodeStatus.ONLINE
    ? c.green(word)
    : status === wire.HostNodeStatus.OFFLINE
      ? c.red(word)
      : c.yellow(word);
};

/** A share 0..1 as a percentage (`42%`); `-` when absent. */
const percent = (value: number | undefined) => (value === undefined ? '-' : `${Math.round(value * 100)}%`);

/** A rate in bytes per second in binary units (`1.5 MiB/s`); `-` when absent. */
const rate = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? '-' : `${bytes(BigInt(Math.round(value)))}/s`;

/** Host nodes: `hvc nodes list`. */
export const NODES: View<typeof wire.HostNodeSchema> = {
  schema: wire.HostNodeSchema,
  noun: 'nodes',
  columns: [
    { header: 'NAME', value: (n) => n.name },
    { header: 'STATUS', value: (n, c) => nodeStatus(n.status, c) },
    { header: 'CPUS', value: (n) => (n.cpus === undefined ? '-' : String(n.cpus)) },
    { header: 'CPU', value: (n) => percent(n.usage?.cpu) },
    { header: 'MEMORY', value: (n) => bytes(n.memoryBytes) },
    { header: 'MEMORY USED', value: (n) => bytes(n.usage?.memoryBytes) },
    {
      header: 'UPTIME',
      value: (n) => (n.usage?.uptimeSeconds ? shortDuration(Number(n.usage.uptimeSeconds) * 1000) : '-'),
      wide: true,
    },
  ],
};

/** The points of a guest's metric series: `hvc guests metrics`. */
export const METRIC_POINTS: View<typeof wire.MetricPointSchema> = {
  schema: wire.MetricPointSchema,
  noun: 'metric points',
  columns: [
    { header: 'TIME', value: (p) => (p.time === undefined ? '-' : timestampDate(p.time).toISOString()) },
    { header: 'CPU', value: (p) => percent(p.cpu) },
    { header: 'MEMORY', value: (p) => bytes(p.memoryBytes) },
    { header: 'MEMORY TOTAL', value: (p) => bytes(p.memoryTotalBytes), wide: true },
    { header: 'NET IN', value: (p) => rate(p.netInBytesPerSecond) },
    { header: 'NET OUT', value: (p) => rate(p.netOutBytesPerSecond) },
    { header: 'DISK READ', value: (p) => rate(p.diskReadBytesPerSecond), wide: true },
    { header: 'DISK WRITE', value: (p) => rate(p.diskWriteBytesPerSecond), wide: true },
  ],
};

/** Storages: `hvc storages list`. */
export const STORAGES: View<typeof wire.StorageSchema> = {
  schema: wire.StorageSchema,
  noun: 'storages',
  columns: [
    { header: 'ID', value: (s) => s.id },
    { header: 'TYPE', value: (s) => s.type },
    { header: 'CONTENT', value: (s) => s.contentKinds.join(',') || '-' },
    { header: 'SHARED', value: (s) => (s.shared ? 'yes' : 'no') },
    { header: 'NODES', value: (s) => s.availability.map((a) => a.node).join(',') || '-' },
    { header: 'FREE', value: (s) => bytes(s.freeBytes) },
    { header: 'CAPACITY', value: (s) => bytes(s.capacityBytes), wide: true },
    { header: 'ENABLED', value: (s) => (s.enabled ? 'yes' : 'no'), wide: true },
  ],
};

/** Networks NICs can be put on: `hvc networks list`. */
export const NETWORKS: View<typeof wire.NetworkSchema> = {
  schema: wire.NetworkSchema,
  noun: 'networks',
  columns: [
    { header: 'ID', value: (n) => n.id },
    { header: 'KIND', value: (n) => n.kind },
    { header: 'CIDR', value: (n) => n.cidr ?? '-' },
    {
      header: 'VLAN',
      value: (n) => (n.vlanTag === undefined ? (n.vlanAware ? 'aware' : '-') : String(n.vlanTag)),
    },
    { header: 'NODES', value: (n) => n.nodes.join(',') || '-', wide: true },
    { header: 'DESCRIPTION', value: (n) => n.description ?? '', wide: true },
  ],
};

/** ISOs, disk images, container templates and guest templates: `hvc images list`. */
export const IMAGES: View<typeof wire.ImageSchema> = {
  schema: wire.ImageSchema,
  noun: 'images',
  columns: [
    { header: 'ID', value: (i) => i.id },
    { header: 'KIND', value: (i) => i.kind },
    { header: 'NAME', value: (i) => i.name },
    { header: 'SIZE', value: (i) => bytes(i.virtualSizeBytes ?? i.sizeBytes) },
    { header: 'STORAGE', value: (i) => i.storage ?? '-', wide: true },
    { header: 'NODE', value: (i) => i.node ?? '-', wide: true },
  ],
};

/** The addresses of a guest's interfaces: `hvc guests addresses`. */
export const GUEST_INTERFACES: View<typeof wire.GuestInterfaceAddressesSchema> = {
  schema: wire.GuestInterfaceAddressesSchema,
  noun: 'addresses',
  columns: [
    { header: 'INTERFACE', value: (i) => i.name ?? '-' },
    { header: 'SLOT', value: (i) => i.slot ?? '-' },
    { header: 'MAC', value: (i) => i.macAddress ?? '-' },
    {
      header: 'ADDRESSES',
      value: (i) =>
        i.addresses
          .map((a) => (a.prefixLength === undefined ? a.address : `${a.address}/${a.prefixLength}`))
          .join(',') || '-',
    },
    { header: 'SOURCE', value: (i) => [...new Set(i.addresses.map((a) => a.source))].join(',') || '-' },
  ],
};
