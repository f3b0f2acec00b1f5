import type {
  ConnectorFactory,
  GuestSpecInput,
  GuestType,
  HypervisorConnector,
  OperationType,
} from '@hvc/hypervisor-connector';

/** Something that makes a connector, synchronously or not. */
export type ConnectorSource = () => Promise<HypervisorConnector> | HypervisorConnector;

/**
 * How the conformance kit reaches one connector implementation. Only `name` and `connect` are required; each
 * optional member unlocks the cases that need it, and a case whose member is absent is registered as a visible
 * skip that names it.
 */
export interface ConformanceFixture {
  /** Name shown in the suite titles. */
  readonly name: string;
  /**
   * A connector for one case. The kit calls it at the start of every case (inside the test, not in a hook) and
   * closes the connector when the case ends. Connectors may share state on one target: the kit only relies on the
   * guests it creates itself (named `kit-...`) and deletes them afterwards, unless {@link isolated} is set.
   */
  readonly connect: ConnectorSource;
  /**
   * Each `connect()` (and `connectRestricted()`, `slowOperations.connect()`) returns a connector on fresh state of
   * its own, as the memory connector does. The kit then skips deleting the guests it created.
   */
  readonly isolated?: boolean;
  /** A VM spec the kit may create guests from; the kit overrides `name`, `start` and sometimes `node`, `tags`. */
  vmSpec?(name: string): GuestSpecInput;
  /** A container spec the kit may create guests from, as {@link vmSpec}. */
  containerSpec?(name: string): GuestSpecInput;
  /**
   * The guest type of the cases where any type will do (lifecycle, snapshots, operations, ...). Default `vm` when
   * the fixture has a {@link vmSpec}, else `container`. To cover both types, describe one fixture per type.
   */
  readonly guestType?: GuestType;
  /**
   * The id of a template guest (on the connector given) that the kit may linked-clone. The kit never changes or
   * deletes it.
   */
  templateGuestId?(connector: HypervisorConnector): Promise<string> | string;
  /** A resource pool that exists on the target, for the pool filter case. */
  readonly pool?: string;
  /**
   * Why this connector cannot refuse a NIC network it does not know before it writes (a libvirt host bridge cannot
   * be listed, say). With it, the unknown-network checks of the provisioning input cases are left out, and the
   * case's other checks still run; the reason is the connector's documented limit, not a pass.
   */
  readonly unverifiedNetworkNames?: string;
  /**
   * A guest id in this connector's own form that no guest has, for the NOT_FOUND cases. Without it, the kit makes
   * one from a real guest id by replacing its last digits, which suits ids such as `qemu/100` but not UUIDs.
   */
  readonly unknownGuestId?: string;
  /**
   * An operation id this connector accepts as well formed but does not know, for the NOT_FOUND cases of the
   * operation methods (operation ids are opaque, so the kit cannot make one up).
   */
  readonly unknownOperationId?: string;
  /**
   * A connector on the same target whose capabilities are reduced (no snapshots, no migration, ...), to prove that
   * every capability it reports missing throws UNSUPPORTED instead of a silent no-op. When it cannot create
   * guests, the kit uses guests it lists.
   */
  readonly connectRestricted?: ConnectorSource;
  /** Makes the next operation of that type on that guest fail on the hypervisor side (OPERATION_FAILED cases). */
  injectOperationFailure?(
    connector: HypervisorConnector,
    ctx: { readonly type: OperationType; readonly guestId?: string },
  ): void | Promise<void>;
  /** Upper bound for one wait in the kit. Default 10 s; a slow target raises it. */
  readonly operationTimeoutMs?: number;
  /**
   * A connector whose operations last long enough to be seen running, cancelled or timed out: at least a second
   * (more on a slow target). The kit never relies on them lasting any given time beyond that.
   */
  readonly slowOperations?: { readonly connect: ConnectorSource };
  /** The connector's factory and a config it accepts, for the factory cases (the factory's connector is closed at once). */
  readonly factory?: { readonly factory: ConnectorFactory<unknown>; readonly config: unknown };
  /** Called once after all the fixture's cases ran. */
  cleanup?(): Promise<void> | void;
}
