/** A guest config value: integer/boolean keys are numbers, everything else a string (as PVE returns them). */
export type ConfigValue = string | number;

/** A guest configuration (the keys of `<vmid>.conf`), without `digest`. */
export type GuestConfig = Record<string, ConfigValue>;

/** The kind of guest, as in PVE paths and `/cluster/resources` ids. */
export type PveGuestType = 'qemu' | 'lxc';

/** A cluster node. */
export interface NodeState {
  readonly name: string;
  readonly nodeid: number;
  readonly ip: string;
  online: boolean;
  readonly maxcpu: number;
  readonly maxmem: number;
  readonly maxdisk: number;
  /** Epoch seconds the node booted. */
  readonly bootedAt: number;
}

/** A storage definition (`storage.cfg`); local storages exist once per node. */
export interface StorageState {
  readonly id: string;
  readonly type: 'dir' | 'lvmthin' | 'rbd' | 'nfs' | 'zfspool';
  readonly content: readonly string[];
  readonly shared: boolean;
  /** Node names the storage is available on; undefined = all nodes. */
  readonly nodes?: readonly string[];
  readonly total: number;
  /** `disable` in `storage.cfg`: configured but switched off. */
  readonly disable?: boolean;
}

/** A volume that is not a guest disk: ISO images, container templates, backups. */
export interface StaticVolume {
  readonly storage: string;
  /** Node the volume lives on (local storage); undefined for shared storages. */
  readonly node?: string;
  readonly volid: string;
  readonly content: 'iso' | 'vztmpl' | 'backup' | 'import' | 'snippets';
  readonly format: string;
  /** File size in bytes (what a content listing reports). */
  readonly size: number;
  /** Size of the disk inside an image file (`qemu-img info` virtual size); the file size when absent. */
  readonly virtualSize?: number;
  readonly ctime: number;
  readonly vmid?: number;
}

/** A snapshot of a guest config. */
export interface SnapshotState {
  readonly name: string;
  description: string;
  readonly snaptime: number;
  readonly vmstate: boolean;
  readonly parent?: string;
  readonly config: GuestConfig;
}

/** Pending changes of a guest config. */
export interface PendingChanges {
  readonly values: GuestConfig;
  readonly deletes: Map<string, boolean>;
}

/** QEMU's run states (qapi `RunState`) as `query-status` names them, and `stopped` when no QEMU runs. */
export type QmpStatus =
  | 'running'
  | 'paused'
  | 'stopped'
  | 'suspended'
  | 'prelaunch'
  | 'io-error'
  | 'internal-error'
  | 'postmigrate'
  | 'inmigrate'
  | 'finish-migrate'
  | 'guest-panicked'
  | 'watchdog'
  | 'shutdown';

/** A QEMU VM or LXC container. */
export interface PveGuestState {
  readonly type: PveGuestType;
  readonly vmid: number;
  node: string;
  config: GuestConfig;
  /** Bumped on every config write; part of the digest. */
  revision: number;
  status: 'running' | 'stopped';
  /**
   * QMP run state (qemu only), what `query-status` answers while the VM runs: `running`, `paused`, `suspended`, and
   * the others QEMU knows (`prelaunch`, `io-error`, `postmigrate`, `internal-error`, ...) — set one to have a VM in
   * that state. `status/current` and `?full=1` lists report it as `qmpstatus`; `/cluster/resources` as `status` from
   * pvestatd's next round.
   */
  qmpstatus: QmpStatus;
  /** Epoch seconds of the last start. */
  startedAt?: number;
  pid?: number;
  readonly snapshots: Map<string, SnapshotState>;
  /**
   * The `[PENDING]` section: changes a running guest could not take at once (`values`), and keys to delete
   * (`true`: with `force`). Applied when the guest starts (a VM's stop too).
   */
  pending?: PendingChanges;
  /** The snapshot the current state derives from (`parent` of `current`). */
  parentSnapshot?: string;
  pool?: string;
  /**
   * QEMU: the cloud-init relevant keys as they were when the cloud-init image was last generated (at create, start
   * or `PUT .../cloudinit`); what `GET .../cloudinit` compares the config with. Absent: in sync with the config.
   */
  cloudinitBase?: GuestConfig;
  /** The guest's HA resource (`/etc/pve/ha/resources.cfg`), when HA manages it. */
  ha?: HaResource;
}

/** An HA resource: the state it is configured for and the state the HA manager reports. */
export interface HaResource {
  /** Configured state (`ha-manager set --state`). */
  state: 'started' | 'stopped' | 'ignored';
  /** The manager's service state (`request_start`, `started`, `migrate`, `error`, ...), `hastate` in listings. */
  managerState: string;
  /** The LRM fails to carry requests out: the service goes to `error` (a fault). */
  fails?: boolean;
}

/** A resource pool. */
export interface PoolState {
  readonly poolid: string;
  comment?: string;
}

/** A host network interface (`/nodes/{node}/network`). */
export interface NetworkIfaceState {
  readonly iface: string;
  readonly type: string;
  readonly attrs: Record<string, string | number | readonly string[]>;
}
