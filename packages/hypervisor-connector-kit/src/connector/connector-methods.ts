import type { HypervisorConnector } from '@hvc/hypervisor-connector';

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
}

/**
 * Every method of the contract with its argument shape: the one place that lists them, for wrappers and for
 * `defineConnector`. A method added to the contract is added here, and the type check fails until it is.
 */
export const CONNECTOR_METHODS: Readonly<Record<ConnectorMethod, ConnectorMethodShape>> = {
  describe: { options: 0, guest: false },
  listNodes: { options: 0, guest: false },
  listGuests: { options: 1, guest: false },
  getGuest: { options: 1, guest: true },
  createGuest: { options: 1, guest: false },
  cloneGuest: { options: 2, guest: true },
  updateGuest: { options: 2, guest: true },
  deleteGuest: { options: 1, guest: true },
  startGuest: { options: 1, guest: true },
  stopGuest: { options: 1, guest: true },
  shutdownGuest: { options: 1, guest: true },
  rebootGuest: { options: 1, guest: true },
  resetGuest: { options: 1, guest: true },
  suspendGuest: { options: 1, guest: true },
  resumeGuest: { options: 1, guest: true },
  migrateGuest: { options: 2, guest: true },
  listSnapshots: { options: 1, guest: true },
  createSnapshot: { options: 2, guest: true },
  rollbackSnapshot: { options: 2, guest: true },
  deleteSnapshot: { options: 2, guest: true },
  openConsole: { options: 2, guest: true },
  getMetrics: { options: 2, guest: true },
  getOperation: { options: 1, guest: false },
  waitForOperation: { options: 1, guest: false },
  cancelOperation: { options: 1, guest: false },
};

/** The method names of {@link CONNECTOR_METHODS}, in contract order. */
export const CONNECTOR_METHOD_NAMES = Object.keys(CONNECTOR_METHODS) as readonly ConnectorMethod[];
