import type { TimeSource } from './clock.js';
import type { PveGuestType } from './state/model.js';
import type { SdnVnetState, SdnZoneState } from './state/sdn-state.js';

/** One guest to seed. Unset fields get defaults (name, node round-robin, a 32 GiB / 8 GiB disk, one NIC). */
export interface GuestSeed {
  readonly type?: PveGuestType;
  readonly vmid?: number;
  readonly node?: string;
  /** VM `name` or CT `hostname`. */
  readonly name?: string;
  readonly status?: 'running' | 'stopped';
  /** Config keys merged over the defaults (values as PVE stores them: numbers for integer keys). */
  readonly config?: Readonly<Record<string, string | number>>;
  readonly pool?: string;
  readonly template?: boolean;
  /** A config lock such as `backup` (a guest stuck in a lock). */
  readonly lock?: string;
  /** Manage the guest by HA, configured for this state (`started` default for a running guest). */
  readonly ha?: 'started' | 'stopped';
  /** Snapshot names, oldest first (a chain). */
  readonly snapshots?: readonly string[];
}

/** A storage to define instead of the default `local` (dir) and `local-lvm` (lvmthin). */
export interface StorageSeed {
  readonly id: string;
  readonly type?: 'dir' | 'lvmthin' | 'rbd' | 'nfs' | 'zfspool';
  /** Content types, e.g. `['images', 'rootdir']`. */
  readonly content?: readonly string[];
  readonly shared?: boolean;
  /** Nodes the storage exists on; all when absent. */
  readonly nodes?: readonly string[];
  /** Capacity in bytes. */
  readonly total?: number;
  /** Configured but switched off (`disable 1` in `storage.cfg`). */
  readonly disable?: boolean;
}

/** Options of `createPveFake`. */
export interface PveFakeOptions {
  /** Node count (named `pve1`..`pveN`) or names. Default 1 node `pve1`. */
  readonly nodes?: number | readonly string[];
  /** Guest counts (`{ qemu: 200 }`, spread round-robin over the nodes) or explicit seeds. */
  readonly guests?: { readonly qemu?: number; readonly lxc?: number } | readonly GuestSeed[];
  readonly storages?: readonly StorageSeed[];
  /**
   * SDN zones and VNets; default one VLAN zone `zone1` on `vmbr0` with VNet `vnet100` (tag 100). Give empty lists
   * for a cluster without SDN.
   */
  readonly sdn?: { readonly zones?: readonly SdnZoneState[]; readonly vnets?: readonly SdnVnetState[] };
  /** Resource pools to create. */
  readonly pools?: readonly string[];
  /** Cluster name; default `hvc-fake` with more than one node, none (standalone) with one. */
  readonly clusterName?: string;
  /**
   * PVE major version to behave as. 9 (default): `message` in JSON error bodies, `Authentication failed!`.
   * 8: PVE 8.2 — the error text only in the reason phrase, detailed 401 texts, 64 KiB body limit.
   */
  readonly pveVersion?: 8 | 9;
  /**
   * How long tasks run, in milliseconds (default 50): one value for all, or per task type with a
   * fallback, e.g. `{ qmclone: 2000, default: 20 }`.
   */
  readonly taskDurationMs?: number | Readonly<Record<string, number>>;
  /**
   * How long after answering a QEMU clone its worker starts and writes the new VM's temporary config (default 0: at
   * once). Clones that arrive in between all pass PVE's synchronous check and race for the id in their tasks, as on
   * PVE (qemu-server `clone_vm`).
   */
  readonly workerStartMs?: number;
  /** How long the HA manager takes to carry out a request, in milliseconds (default 500; PVE's CRM loop is 10 s). */
  readonly haConvergeMs?: number;
  /**
   * How long after a VM starts its QEMU guest agent answers `guest-ping`, in milliseconds of the fake's clock
   * (default 5000): before that the agent routes answer `QEMU guest agent is not running`.
   */
  readonly guestAgentStartMs?: number;
  /** Base clock; the fake's clock adds `fake.clock.advance()` offsets to it. Default `Date`. */
  readonly clock?: TimeSource;
  /** Origin the msw `handlers` answer for (default `https://pve.test:8006`); the API is under `/api2/json`. */
  readonly baseUrl?: string;
  /** Password of `root@pam` (default random). */
  readonly password?: string;
  /** Secret of the `root@pam!hvc` token (default a random UUID). */
  readonly tokenSecret?: string;
  /** Random source for fault rates (default `Math.random`). */
  readonly random?: () => number;
  /**
   * How many entries `fake.requests` keeps, the newest (default unlimited, for tests that count requests). A fake
   * that runs for long, such as the demo's or the `hvc-pve-fake` command's, sets it so its memory stays bounded.
   */
  readonly requestLogLimit?: number;
}
