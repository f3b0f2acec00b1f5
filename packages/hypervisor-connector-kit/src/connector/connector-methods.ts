import type { CapabilityName, HypervisorConnector } from '@hvc/hypervisor-connector';

/** The calls of the contract: every method of a connector but `close`. */
export type ConnectorMethod = Exclude<
  keyof HypervisorConnector,
  'specificationVersion' | 'kind' | 'capabilities' | 'close' | typeof Symbol.asyncDispose
>;

/** Where each method takes its options and, for calls about one guest, the guest id. */
export interface ConnectorMethodShape {
  /** The index of the `CallOptions` (or `WaitOptions`) argument. */
  readonly options: number;
  /** Whether the first argument is a guest id. */
  readonly guest: boolean;
  /**
   * Whether the call changes the target. A write that fails after its request may have gone out (a deadline, an
   * abort, a lost connection) may have been applied.
   */
  readonly write: boolean;
  /**
   * For a method added to v1 after its first release: the capability a connector without it lacks. A connector
   * object written against the earlier v1 has no such method; `wrapConnector` answers UNSUPPORTED naming this.
   */
  readonly capability?: CapabilityName;
  /**
   * `stream` for a method that returns an `AsyncIterable` (`watchGuests`): wrappers see its establishment as the
   * call, and the events flow past them.
   */
  readonly kind?: 'stream';
}

/**
 * Every method of the contract with its argument shape: the one place that lists them, for wrappers and for
 * `defineConnector`. A method added to the contract is added here, and the type check fails until it is.
 */
export const CONNECTOR_METHODS: Readonly<Record<ConnectorMethod, ConnectorMethodShape>> = {
  describe: { options: 0, guest: false, write: false },
  listNodes: { options: 0, guest: false, write: false },
  listGuests: { options: 1, guest: false, write: false },
  listGuestsPage: { options: 1, guest: false, write: false },
  getGuest: { options: 1, guest: true, write: false },
  createGuest: { options: 1, guest: false, write: true },
  cloneGuest: { options: 2, guest: true, write: true },
  updateGuest: { options: 2, guest: true, write: true },
  deleteGuest: { options: 1, guest: true, write: true },
  startGuest: { options: 1, guest: true, write: true },
  stopGuest: { options: 1, guest: true, write: true },
  shutdownGuest: { options: 1, guest: true, write: true },
  rebootGuest: { options: 1, guest: true, write: true },
  resetGuest: { options: 1, guest: true, write: true },
  suspendGuest: { options: 1, guest: true, write: true },
  resumeGuest: { options: 1, guest: true, write: true },
  migrateGuest: { options: 2, guest: true, write: true },
  listSnapshots: { options: 1, guest: true, write: false },
  createSnapshot: { options: 2, guest: true, write: true },
  rollbackSnapshot: { options: 2, guest: true, write: true },
  deleteSnapshot: { options: 2, guest: true, write: true },
  openConsole: { options: 2, guest: true, write: false },
  getMetrics: { options: 2, guest: true, write: false },
  listStorages: { options: 1, guest: false, write: false, capability: 'inventory.storages' },
  listNetworks: { options: 1, guest: false, write: false, capability: 'inventory.networks' },
  listImages: { options: 1, guest: false, write: false, capability: 'inventory.images' },
  getGuestConfig: { options: 1, guest: true, write: false, capability: 'guestConfig' },
  convertToTemplate: { options: 1, guest: true, write: true, capability: 'templates' },
  resizeDisk: { options: 3, guest: true, write: true, capability: 'disks.resize' },
  addDisk: { options: 2, guest: true, write: true, capability: 'disks.add' },
  removeDisk: { options: 3, guest: true, write: true, capability: 'disks.remove' },
  addNic: { options: 2, guest: true, write: true, capability: 'nics.add' },
  removeNic: { options: 2, guest: true, write: true, capability: 'nics.remove' },
  getGuestAddresses: { options: 2, guest: true, write: false, capability: 'guestAddresses.agent' },
  watchGuests: { options: 1, guest: false, write: false, capability: 'watch', kind: 'stream' },
  openConsoleStream: { options: 2, guest: true, write: false, capability: 'consoleStream.vnc' },
  listOperations: { options: 1, guest: false, write: false, capability: 'operationList' },
  getOperation: { options: 1, guest: false, write: false },
  waitForOperation: { options: 1, guest: false, write: false },
  cancelOperation: { options: 1, guest: false, write: true },
};

/** The method names of {@link CONNECTOR_METHODS}, in contract order. */
export const CONNECTOR_METHOD_NAMES = Object.keys(CONNECTOR_METHODS) as readonly ConnectorMethod[];
