import type {
  AddressRequest,
  Capabilities,
  CloneSpec,
  ConsoleRequest,
  ConsoleStream,
  ConsoleTicket,
  DiskAdd,
  DiskRemove,
  DiskResize,
  Guest,
  GuestAddresses,
  GuestConfig,
  GuestEvent,
  GuestFilter,
  GuestPageQuery,
  GuestPatch,
  GuestSpec,
  GuestType,
  HostNode,
  Image,
  ImageQuery,
  MetricSeries,
  MetricsRequest,
  MigrateSpec,
  Network,
  NetworkQuery,
  NicAdd,
  Operation,
  OperationQuery,
  Page,
  Snapshot,
  SnapshotSpec,
  Storage,
  StorageQuery,
  TargetInfo,
  WaitOptions,
} from '@hvc/hypervisor-connector';
import type { CallContext } from './call-context.js';
import type { ProviderOptionsSchemas } from './provider-options.js';

/**
 * What a connector author writes: the contract's methods with their inputs already validated and normalised by the
 * contract's schemas, the capability gate already passed, and a {@link CallContext} instead of raw options.
 * `defineConnector` turns it into a `HypervisorConnector`. `Ref` is the connector's parsed guest id (`qemu/100`
 * as `{ type, vmid }`, say); a method left out is UNSUPPORTED, so its capability must be declared missing.
 */
export interface ConnectorImplementation<Ref = string> {
  /** The connector kind, e.g. `proxmox`. */
  readonly kind: string;
  /** What the implementation supports at all. */
  readonly capabilities: Capabilities;
  /** The target the connector serves, for errors. */
  readonly target?: string;
  /**
   * Parses a guest id, throwing INVALID_ARGUMENT for one this connector never hands out. It replaces the contract's
   * generic id check, so it must accept no id that `GuestIdSchema` refuses. Without it, ids are checked with
   * `GuestIdSchema` and passed on as strings.
   */
  guestRef?(guestId: string): Ref;
  /** The type of a guest when it is known without I/O (from the id, or in-memory state), for the capability gate. */
  guestTypeOf?(guest: Ref): GuestType | undefined;
  /**
   * The schemas of this connector's own `providerOptions.<kind>`, per method; checked before the implementation is
   * called. A method without one takes no options of this kind. Other kinds' namespaces are never checked.
   */
  readonly providerOptions?: ProviderOptionsSchemas;
  /** The capabilities refined for this target and credential; the gate checks these. Default: `capabilities`. */
  currentCapabilities?(context: CallContext): Capabilities | Promise<Capabilities>;

  describe(context: CallContext): Promise<TargetInfo>;
  listNodes(context: CallContext): Promise<HostNode[]>;
  listGuests(filter: GuestFilter, context: CallContext): Promise<Guest[]>;
  /**
   * A page of guests, for a connector whose hypervisor pages them itself. Without it, `listGuests` is paged by the
   * kit (`guestPageFromList`).
   */
  listGuestsPage?(query: GuestPageQuery, context: CallContext): Promise<Page<Guest>>;
  getGuest(guest: Ref, context: CallContext): Promise<Guest>;
  createGuest(spec: GuestSpec, context: CallContext): Promise<Operation>;
  cloneGuest?(guest: Ref, spec: CloneSpec, context: CallContext): Promise<Operation>;
  updateGuest?(guest: Ref, patch: GuestPatch, context: CallContext): Promise<Operation | undefined>;
  deleteGuest(guest: Ref, context: CallContext): Promise<Operation>;
  startGuest(guest: Ref, context: CallContext): Promise<Operation>;
  stopGuest(guest: Ref, context: CallContext): Promise<Operation>;
  shutdownGuest(guest: Ref, context: CallContext): Promise<Operation>;
  rebootGuest(guest: Ref, context: CallContext): Promise<Operation>;
  resetGuest?(guest: Ref, context: CallContext): Promise<Operation>;
  suspendGuest?(guest: Ref, context: CallContext): Promise<Operation>;
  resumeGuest?(guest: Ref, context: CallContext): Promise<Operation>;
  /** `spec.online` absent means "live when it runs": the implementation checks `migration.live`/`.offline` itself. */
  migrateGuest?(guest: Ref, spec: MigrateSpec, context: CallContext): Promise<Operation>;
  listSnapshots?(guest: Ref, context: CallContext): Promise<Snapshot[]>;
  createSnapshot?(guest: Ref, spec: SnapshotSpec, context: CallContext): Promise<Operation>;
  rollbackSnapshot?(guest: Ref, name: string, context: CallContext): Promise<Operation>;
  deleteSnapshot?(guest: Ref, name: string, context: CallContext): Promise<Operation>;
  openConsole?(guest: Ref, request: ConsoleRequest, context: CallContext): Promise<ConsoleTicket>;
  getMetrics?(guest: Ref, request: MetricsRequest, context: CallContext): Promise<MetricSeries>;
  /**
   * Storages, networks and images: each optional (a connector without one is UNSUPPORTED naming its capability).
   * The query is validated and its defaults applied; `pageOf` pages a list the hypervisor cannot page itself.
   */
  listStorages?(query: StorageQuery, context: CallContext): Promise<Page<Storage>>;
  listNetworks?(query: NetworkQuery, context: CallContext): Promise<Page<Network>>;
  listImages?(query: ImageQuery, context: CallContext): Promise<Page<Image>>;
  /** Provisioning and device changes: each optional, UNSUPPORTED naming its capability when left out. */
  getGuestConfig?(guest: Ref, context: CallContext): Promise<GuestConfig>;
  convertToTemplate?(guest: Ref, context: CallContext): Promise<Operation>;
  /** Checks `disks.resizeRunning` itself once it knows the guest runs (`context.require`). */
  resizeDisk?(guest: Ref, slot: string, resize: DiskResize, context: CallContext): Promise<Operation>;
  addDisk?(guest: Ref, disk: DiskAdd, context: CallContext): Promise<Operation>;
  removeDisk?(guest: Ref, slot: string, request: DiskRemove, context: CallContext): Promise<Operation>;
  addNic?(guest: Ref, nic: NicAdd, context: CallContext): Promise<Operation>;
  removeNic?(guest: Ref, slot: string, context: CallContext): Promise<Operation>;
  /** `request.sources` is filled with the sources the current capabilities have when the caller asked none. */
  getGuestAddresses?(guest: Ref, request: AddressRequest, context: CallContext): Promise<GuestAddresses>;
  /** Ends when `context.signal` aborts. */
  watchGuests?(filter: GuestFilter, context: CallContext): AsyncIterable<GuestEvent>;
  openConsoleStream?(guest: Ref, request: ConsoleRequest, context: CallContext): Promise<ConsoleStream>;
  /**
   * A page of the operations the connector can list, newest first; UNSUPPORTED (`operationList`) when left out.
   * `operationPageOf` filters and pages a list the hypervisor cannot page itself.
   */
  listOperations?(query: OperationQuery, context: CallContext): Promise<Page<Operation>>;
  getOperation(operationId: string, context: CallContext): Promise<Operation>;
  /** `options.timeoutMs` is validated; the wait itself bounds it (see `OperationWaiter`). */
  waitForOperation(operationId: string, options: WaitOptions, context: CallContext): Promise<Operation>;
  cancelOperation?(operationId: string, context: CallContext): Promise<Operation>;
  /** Releases sockets and timers; called once, by the first `close()`. */
  close(): Promise<void>;
}
