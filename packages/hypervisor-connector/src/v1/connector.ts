import type { Capabilities } from './model/capabilities.js';
import type { ConsoleStream } from './model/console-stream.js';
import type { ConsoleTicket } from './model/console-ticket.js';
import type { Guest } from './model/guest.js';
import type { GuestAddresses } from './model/guest-addresses.js';
import type { GuestConfig } from './model/guest-config.js';
import type { GuestEvent } from './model/guest-event.js';
import type { HostNode } from './model/host-node.js';
import type { Image } from './model/image.js';
import type { MetricSeries } from './model/metric-series.js';
import type { Network } from './model/network.js';
import type { Operation } from './model/operation.js';
import type { Page } from './model/page.js';
import type { Snapshot } from './model/snapshot.js';
import type { Storage } from './model/storage.js';
import type { TargetInfo } from './model/target-info.js';
import type { AddressRequestInput } from './schemas/address-request.js';
import type { CloneSpecInput, GuestPatch, MigrateSpec, SnapshotSpecInput } from './schemas/guest-changes.js';
import type { DiskAddInput, DiskRemoveInput, DiskResizeInput, NicAddInput } from './schemas/guest-devices.js';
import type { GuestSpecInput } from './schemas/guest-spec.js';
import type { ImageQueryInput, NetworkQueryInput, StorageQueryInput } from './schemas/inventory-queries.js';
import type { GuestPageQueryInput, OperationQueryInput } from './schemas/list-queries.js';
import type { ConsoleRequest, GuestFilter, MetricsRequestInput } from './schemas/queries.js';
import type { SpecificationVersion } from './specification.js';

/** Options every connector method takes. */
export interface CallOptions {
  /**
   * Aborting stops the request (and any wait) with CANCELLED. It never stops a hypervisor task that has already
   * started: use `cancelOperation` for that.
   */
  readonly signal?: AbortSignal;
  /**
   * Give up after this long with TIMEOUT (a whole number of milliseconds, at most a day). Like an abort, it stops
   * the request, not a task the hypervisor has started; a write that timed out may still have been applied.
   */
  readonly timeoutMs?: number;
  /**
   * Makes a write idempotent within this connector: the same key with the same call and input returns the same
   * result (the same operation) and writes once, also while the first call still runs; the same key with another
   * call or input throws CONFLICT (`details.reason: 'IDEMPOTENCY_KEY_REUSED'`, not retryable) and writes nothing.
   * A call that failed without reaching the hypervisor frees its key. Keys are kept for a day in the connector's
   * process; across processes a server keeps them. Reads ignore it. See `IdempotencyKeySchema` for its form.
   */
  readonly idempotencyKey?: string;
}

/** Options of `waitForOperation`. */
export interface WaitOptions extends CallOptions {
  /** Give up waiting after this long with TIMEOUT. The operation itself keeps running. No limit when absent. */
  readonly timeoutMs?: number;
  /**
   * Called with the operation as the wait first finds it, when it is still running, then each time it changes
   * (progress, status). A wait on an operation that has already ended calls it not at all.
   */
  readonly onProgress?: (operation: Operation) => void;
  /**
   * With `true` (the default) a failed operation throws OPERATION_FAILED and a cancelled one CANCELLED; with `false`
   * the final operation is returned whatever its status.
   */
  readonly throwOnFailure?: boolean;
}

/**
 * One connection to one hypervisor target (a host or a cluster), spec v1. Every long-running call returns an
 * {@link Operation} at once; wait on it with {@link HypervisorConnector.waitForOperation}. Errors are
 * `HypervisorError`s with stable codes. Inputs are validated with the contract's zod schemas and bad ones throw
 * INVALID_ARGUMENT without reaching the hypervisor. A call whose capability is missing throws UNSUPPORTED.
 */
export interface HypervisorConnector extends AsyncDisposable {
  readonly specificationVersion: SpecificationVersion;
  /** The connector kind, e.g. `proxmox` or `memory`. */
  readonly kind: string;
  /** What the implementation supports at all; `describe()` refines it for the target and credential. */
  readonly capabilities: Capabilities;

  /** The target's version, cluster, nodes and refined capabilities. */
  describe(options?: CallOptions): Promise<TargetInfo>;
  /** The target's host nodes. */
  listNodes(options?: CallOptions): Promise<HostNode[]>;
  /** Guests of the whole target, narrowed by `filter`. */
  listGuests(filter?: GuestFilter, options?: CallOptions): Promise<Guest[]>;
  /**
   * A page of the target's guests, by id, narrowed by the filter of `listGuests`. INVALID_ARGUMENT (`pageToken`) for
   * a token of another query. Iterate every page with `iteratePages`.
   */
  listGuestsPage(query?: GuestPageQueryInput, options?: CallOptions): Promise<Page<Guest>>;
  /** One guest. NOT_FOUND when there is none with that id. */
  getGuest(guestId: string, options?: CallOptions): Promise<Guest>;

  /** Creates a guest. The operation's `guestId` is the new guest's id. */
  createGuest(spec: GuestSpecInput, options?: CallOptions): Promise<Operation>;
  /** Clones a guest. The operation's `guestId` is the clone's id. */
  cloneGuest(guestId: string, spec?: CloneSpecInput, options?: CallOptions): Promise<Operation>;
  /** Changes a guest's configuration; returns an operation when the hypervisor applies it asynchronously. */
  updateGuest(guestId: string, patch: GuestPatch, options?: CallOptions): Promise<Operation | undefined>;
  /** Deletes a stopped guest and its disks. */
  deleteGuest(guestId: string, options?: CallOptions): Promise<Operation>;

  /** Powers a guest on. CONFLICT when it is locked. */
  startGuest(guestId: string, options?: CallOptions): Promise<Operation>;
  /** Powers a guest off at once, like pulling the plug. */
  stopGuest(guestId: string, options?: CallOptions): Promise<Operation>;
  /** Asks the guest's OS to shut down. */
  shutdownGuest(guestId: string, options?: CallOptions): Promise<Operation>;
  /** Asks the guest's OS to reboot. */
  rebootGuest(guestId: string, options?: CallOptions): Promise<Operation>;
  /** Hard-resets a VM. */
  resetGuest(guestId: string, options?: CallOptions): Promise<Operation>;
  /** Pauses a running guest. */
  suspendGuest(guestId: string, options?: CallOptions): Promise<Operation>;
  /** Resumes a paused or suspended guest. */
  resumeGuest(guestId: string, options?: CallOptions): Promise<Operation>;
  /** Moves a guest to another node of the target. */
  migrateGuest(guestId: string, spec: MigrateSpec, options?: CallOptions): Promise<Operation>;

  /** A guest's snapshots, oldest first. */
  listSnapshots(guestId: string, options?: CallOptions): Promise<Snapshot[]>;
  createSnapshot(guestId: string, spec: SnapshotSpecInput, options?: CallOptions): Promise<Operation>;
  rollbackSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation>;
  deleteSnapshot(guestId: string, name: string, options?: CallOptions): Promise<Operation>;

  /** A one-time ticket to open the guest's console. */
  openConsole(guestId: string, request: ConsoleRequest, options?: CallOptions): Promise<ConsoleTicket>;
  /** The guest's metrics over a timeframe. */
  getMetrics(guestId: string, request?: MetricsRequestInput, options?: CallOptions): Promise<MetricSeries>;

  /**
   * A page of the target's storages, by id. Capability `inventory.storages`. NOT_FOUND for an unknown `node`;
   * INVALID_ARGUMENT (`pageToken`) for a token of another query.
   */
  listStorages(query?: StorageQueryInput, options?: CallOptions): Promise<Page<Storage>>;
  /** A page of the networks NICs can be put on, by id. Capability `inventory.networks`. */
  listNetworks(query?: NetworkQueryInput, options?: CallOptions): Promise<Page<Network>>;
  /**
   * A page of the ISOs, disk images, container templates and guest templates, by id. Capability `inventory.images`.
   * NOT_FOUND for an unknown `storage` or `node`.
   */
  listImages(query?: ImageQueryInput, options?: CallOptions): Promise<Page<Image>>;

  /**
   * A guest's devices (disks with their slots and sizes, CD-ROMs, NICs), boot order and cloud-init settings without
   * secrets. Capability `guestConfig`.
   */
  getGuestConfig(guestId: string, options?: CallOptions): Promise<GuestConfig>;
  /**
   * Makes a stopped guest a template: never started again, cloned from. Capability `templates`. A template already
   * is one: the operation succeeds without a change. CONFLICT while it runs or (PVE) while it has snapshots.
   */
  convertToTemplate(guestId: string, options?: CallOptions): Promise<Operation>;
  /**
   * Grows a disk to an absolute size. Capability `disks.resize` (`disks.resizeRunning` while the guest runs).
   * A smaller size is INVALID_ARGUMENT `sizeGiB` and nothing is sent; an unknown slot NOT_FOUND.
   */
  resizeDisk(
    guestId: string,
    slot: string,
    resize: DiskResizeInput,
    options?: CallOptions,
  ): Promise<Operation>;
  /** Adds a blank disk. Capability `disks.add`. The operation's `resourceId` is the slot it took. */
  addDisk(guestId: string, disk: DiskAddInput, options?: CallOptions): Promise<Operation>;
  /** Removes a disk and, unless `keepVolume`, destroys its volume. Capability `disks.remove`. */
  removeDisk(
    guestId: string,
    slot: string,
    request?: DiskRemoveInput,
    options?: CallOptions,
  ): Promise<Operation>;
  /** Adds a NIC on a network. Capability `nics.add`. The operation's `resourceId` is the slot it took. */
  addNic(guestId: string, nic: NicAddInput, options?: CallOptions): Promise<Operation>;
  /** Removes a NIC. Capability `nics.remove`. */
  removeNic(guestId: string, slot: string, options?: CallOptions): Promise<Operation>;
  /**
   * A running guest's IP addresses, each with its source. Capability `guestAddresses.<source>` for each source
   * asked; with none asked, every source the connector has. A stopped guest is no error: its sources say
   * `unavailable`.
   */
  getGuestAddresses(
    guestId: string,
    request?: AddressRequestInput,
    options?: CallOptions,
  ): Promise<GuestAddresses>;
  /**
   * Changes of the target's guests, narrowed by `filter`: a `sync` event first, then added, changed and removed,
   * until the caller's signal aborts or it stops iterating. Transient failures are retried and followed by a new
   * `sync`; a lasting one (UNAUTHENTICATED, PERMISSION_DENIED, a closed connector) ends the iteration by throwing it.
   * Capability `watch`.
   */
  watchGuests(filter?: GuestFilter, options?: CallOptions): AsyncIterable<GuestEvent>;
  /**
   * A console as an authenticated byte stream (see {@link ConsoleStream}): what a console proxy bridges to a browser.
   * Capability `consoleStream.<protocol>`; the guest must be running (CONFLICT otherwise).
   */
  openConsoleStream(guestId: string, request: ConsoleRequest, options?: CallOptions): Promise<ConsoleStream>;

  /**
   * A page of the target's operations, newest first (by `startedAt`, then id), narrowed by guest, type, status and
   * start time. Capability `operationList`. Which operations a connector can list (the hypervisor's task list, or
   * only those of its own process) its README says. INVALID_ARGUMENT (`pageToken`) for a token of another query.
   */
  listOperations(query?: OperationQueryInput, options?: CallOptions): Promise<Page<Operation>>;
  /** The current state of an operation. NOT_FOUND for an id this target does not know. */
  getOperation(operationId: string, options?: CallOptions): Promise<Operation>;
  /** Waits until the operation ends; see {@link WaitOptions}. */
  waitForOperation(operationId: string, options?: WaitOptions): Promise<Operation>;
  /** Stops a running operation. Resolves with its state after the request; ending an ended one is a no-op. */
  cancelOperation(operationId: string, options?: CallOptions): Promise<Operation>;

  /** Releases sockets and timers. Calls after close fail with UNAVAILABLE. Idempotent. */
  close(): Promise<void>;
}
