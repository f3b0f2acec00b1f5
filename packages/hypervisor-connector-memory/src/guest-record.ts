import type {
  BootDevice,
  DiskSpec,
  Guest,
  GuestCloudInitConfig,
  GuestState,
  GuestType,
  NicSpec,
  Snapshot,
} from '@hvc/hypervisor-connector';
import { stableHash } from '@hvc/hypervisor-connector-kit';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** A disk as the memory connector keeps it: the spec's size and storage, plus its slot. */
export interface MemoryDisk extends DiskSpec {
  readonly slot: string;
  /** The volume the disk is, when it was made from an image or a template. */
  volumeId?: string;
  /** Whether the guest boots from it. */
  boot?: boolean;
}

/** A NIC as the memory connector keeps it: the spec's fields, its slot and its (generated) MAC address. */
export type MemoryNic = NicSpec & { readonly slot: string; readonly macAddress: string };

/** A CD-ROM drive: an ISO, or the cloud-init seed drive. */
export interface MemoryCdrom {
  readonly slot: string;
  readonly volumeId?: string;
  readonly cloudInit: boolean;
}

/** The part of a guest that snapshots capture and rollbacks restore, and that the digest covers. */
export interface GuestConfig {
  name: string;
  cpus: number;
  memoryMiB: number;
  tags: string[];
  description?: string;
  disks: MemoryDisk[];
  nics: MemoryNic[];
  cdroms?: MemoryCdrom[];
  boot?: BootDevice[];
  /** Cloud-init settings without secrets: only whether a password was given. */
  cloudInit?: GuestCloudInitConfig;
  guestAgent?: boolean;
  /** VM settings (os type, firmware, cdrom) or container settings (os template, unprivileged). */
  settings: Record<string, unknown>;
}

/** A snapshot as the memory connector keeps it. */
export interface SnapshotRecord {
  readonly name: string;
  readonly description?: string;
  readonly createdAtMs: number;
  parent?: string;
  readonly includesMemory: boolean;
  /** The configuration when the snapshot was taken. */
  readonly config: GuestConfig;
}

/** A guest as the memory connector keeps it. Mutable: only the connector's own code changes it. */
export interface GuestRecord {
  readonly id: string;
  readonly vmid: number;
  readonly type: GuestType;
  node: string;
  state: GuestState;
  template: boolean;
  lock?: string;
  pool?: string;
  config: GuestConfig;
  /** Oldest first. */
  snapshots: SnapshotRecord[];
  /** The snapshot the current state descends from: the parent of the next one. */
  currentSnapshot?: string;
  /** The template a linked clone shares its disks with. */
  linkedFrom?: string;
  /** When the guest last started, for its uptime. */
  runningSinceMs?: number;
}

/** The digest of a guest's configuration, exposed as `guest.raw.digest` and checked by `updateGuest`'s `ifMatch`. */
export function configDigest(record: Pick<GuestRecord, 'config' | 'template' | 'pool'>): string {
  return stableHash(JSON.stringify([record.config, record.template, record.pool ?? null]));
}

/** A deep copy of a configuration. */
export function copyConfig(config: GuestConfig): GuestConfig {
  return structuredClone(config);
}

/** The public view of a guest: a fresh object that shares nothing with the record. */
export function toGuest(record: GuestRecord, nowMs: number): Guest {
  const { config } = record;
  const diskBytes = Math.round(config.disks.reduce((sum, disk) => sum + disk.sizeGiB, 0) * GIB);
  const memoryBytes = config.memoryMiB * MIB;
  const running = record.state === 'running' || record.state === 'paused';
  const uptimeSeconds =
    running && record.runningSinceMs !== undefined ? Math.floor((nowMs - record.runningSinceMs) / 1000) : 0;
  const digest = configDigest(record);
  return {
    id: record.id,
    type: record.type,
    name: config.name,
    node: record.node,
    state: record.state,
    template: record.template,
    ...(record.lock === undefined ? {} : { lock: record.lock }),
    tags: [...config.tags],
    ...(record.pool === undefined ? {} : { pool: record.pool }),
    resources: { cpus: config.cpus, memoryBytes, diskBytes },
    ...(running
      ? {
          usage: {
            cpu: record.state === 'paused' ? 0 : 0.05,
            memoryBytes: Math.round(memoryBytes / 4),
            diskBytes: Math.round(diskBytes / 10),
            uptimeSeconds,
            netInBytes: 0,
            netOutBytes: 0,
          },
        }
      : {}),
    raw: structuredClone({
      vmid: record.vmid,
      type: record.type,
      node: record.node,
      status: record.state,
      template: record.template,
      ...(record.lock === undefined ? {} : { lock: record.lock }),
      ...(record.pool === undefined ? {} : { pool: record.pool }),
      ...(record.linkedFrom === undefined ? {} : { linkedFrom: record.linkedFrom }),
      ...(record.currentSnapshot === undefined ? {} : { parent: record.currentSnapshot }),
      digest,
      config,
    }),
  };
}

/** The public view of a snapshot. */
export function toSnapshot(snapshot: SnapshotRecord): Snapshot {
  const createdAt = new Date(snapshot.createdAtMs).toISOString();
  return {
    name: snapshot.name,
    ...(snapshot.description === undefined ? {} : { description: snapshot.description }),
    createdAt,
    ...(snapshot.parent === undefined ? {} : { parent: snapshot.parent }),
    includesMemory: snapshot.includesMemory,
    raw: structuredClone({
      name: snapshot.name,
      ...(snapshot.description === undefined ? {} : { description: snapshot.description }),
      snaptime: Math.floor(snapshot.createdAtMs / 1000),
      ...(snapshot.parent === undefined ? {} : { parent: snapshot.parent }),
      vmstate: snapshot.includesMemory,
      config: snapshot.config,
    }),
  };
}
