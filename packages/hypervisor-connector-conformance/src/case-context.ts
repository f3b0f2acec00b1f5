import {
  type Capabilities,
  type CapabilityName,
  type Guest,
  type GuestSpecInput,
  type GuestType,
  type HypervisorConnector,
  hasCapability,
  isHypervisorError,
  type Operation,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { CaseSkip } from './conformance-case.js';
import type { ConformanceFixture, ConnectorSource } from './conformance-fixture.js';
import { fail } from './expect-error.js';
import { removeGuest } from './guest-removal.js';

/** The default upper bound of one wait in the kit. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

/** How the kit shapes a guest it creates. */
export interface GuestOptions {
  readonly type?: GuestType;
  /** Power state once created; default `stopped`. */
  readonly state?: 'running' | 'stopped';
  readonly name?: string;
  readonly node?: string;
  readonly tags?: readonly string[];
  readonly pool?: string;
  /** Where to create it; the case's main connector by default. */
  readonly connector?: HypervisorConnector;
}

/** What a case runs with: the fixture, a fresh connector and helpers that create and clean up guests. */
export interface CaseContext {
  readonly fixture: ConformanceFixture;
  /** The connector of this case, from `fixture.connect()`. */
  readonly connector: HypervisorConnector;
  /** Upper bound of one wait. */
  readonly waitTimeoutMs: number;
  /** The guest type the kit uses where any will do: `fixture.guestType`, else `vm` when it has a VM spec. */
  readonly guestType: GuestType;
  /** A guest name no other case uses: `kit-<label>-<token>`. */
  uniqueName(label: string): string;
  /** A spec of `options.type` (default {@link guestType}) from the fixture, with the kit's overrides. */
  spec(options?: Omit<GuestOptions, 'connector' | 'state'> & { readonly start?: boolean }): GuestSpecInput;
  /** Creates a guest, waits for it and returns it; it is removed when the case ends. */
  createGuest(options?: GuestOptions): Promise<Guest>;
  /** Waits for `operation` and fails unless it succeeded. Guests made by create and clone are tracked. */
  wait(operation: Operation, connector?: HypervisorConnector, options?: WaitOptions): Promise<Operation>;
  /** Removes the guest when the case ends. */
  track(guestId: string, connector?: HypervisorConnector): void;
  /**
   * Opens another connector of the fixture (`another` is a second `connect()`); it is closed when the case ends.
   */
  open(which: 'another' | 'restricted' | 'slow'): Promise<HypervisorConnector>;
  /** The capabilities `describe()` reports for the connector (the main one by default). */
  capabilities(connector?: HypervisorConnector): Promise<Capabilities>;
  /** Skips the case unless the connector reports `name`. */
  requireCapability(name: CapabilityName, connector?: HypervisorConnector): Promise<void>;
  /** Names of the target's nodes. */
  nodeNames(connector?: HypervisorConnector): Promise<string[]>;
  /**
   * A well-formed guest id no guest of the target has, in the connector's own form, so the exact answer is
   * NOT_FOUND: the fixture's `unknownGuestId`, else one made from a real guest id (`like`, or one the case creates)
   * with its last digits replaced.
   */
  missingGuestId(like?: Guest): Promise<string>;
  /** Ends the case as skipped, with the reason shown. */
  skip(reason: string): never;
  /** Removes tracked guests (unless the fixture is isolated) and closes every connector of the case. */
  dispose(): Promise<void>;
}

/** Opens the fixture's connector and builds the context of one case. */
export async function createCaseContext(fixture: ConformanceFixture): Promise<CaseContext> {
  const connector = await fixture.connect();
  const waitTimeoutMs = fixture.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const token = Math.random().toString(36).slice(2, 8);
  const tracked: { guestId: string; connector: HypervisorConnector }[] = [];
  const opened: HypervisorConnector[] = [connector];
  const capabilityCache = new Map<HypervisorConnector, Capabilities>();
  let counter = 0;
  const guestType: GuestType = fixture.guestType ?? (fixture.vmSpec ? 'vm' : 'container');

  const ctx: CaseContext = {
    fixture,
    connector,
    waitTimeoutMs,
    guestType,
    uniqueName(label) {
      counter += 1;
      return `kit-${label}-${token}${counter}`;
    },
    spec(options = {}) {
      const type = options.type ?? guestType;
      const name = options.name ?? ctx.uniqueName(type);
      const make = type === 'vm' ? fixture.vmSpec : fixture.containerSpec;
      if (!make) return ctx.skip(`the fixture has no ${type === 'vm' ? 'vmSpec' : 'containerSpec'}`);
      return {
        ...make.call(fixture, name),
        name,
        ...(options.start === undefined ? {} : { start: options.start }),
        ...(options.node === undefined ? {} : { node: options.node }),
        ...(options.tags === undefined ? {} : { tags: [...options.tags] }),
        ...(options.pool === undefined ? {} : { pool: options.pool }),
      };
    },
    async missingGuestId(like) {
      if (fixture.unknownGuestId !== undefined) return fixture.unknownGuestId;
      const model = like ?? (await ctx.createGuest());
      const taken = new Set((await connector.listGuests()).map((g) => g.id));
      for (const digits of ['999999999', '999999998', '999999997']) {
        const candidate = /\d+$/.test(model.id)
          ? model.id.replace(/\d+$/, digits)
          : `${model.id}-missing${digits}`;
        if (!taken.has(candidate)) return candidate;
      }
      return `${model.id}-missing`;
    },
    async createGuest(options = {}) {
      const target = options.connector ?? connector;
      const running = options.state === 'running';
      const operation = await target.createGuest(ctx.spec({ ...options, start: running }));
      if (operation.guestId === undefined) fail('createGuest returned an operation without the new guestId');
      ctx.track(operation.guestId, target);
      await ctx.wait(operation, target);
      const guest = await target.getGuest(operation.guestId);
      const expected = running ? 'running' : 'stopped';
      if (guest.state !== expected) {
        fail(`a guest created with start: ${running} is ${guest.state}, expected ${expected}`);
      }
      return guest;
    },
    async wait(operation, target = connector, options = {}) {
      const done = await target.waitForOperation(operation.id, {
        timeoutMs: waitTimeoutMs,
        throwOnFailure: false,
        ...options,
      });
      if ((done.type === 'create' || done.type === 'clone') && done.guestId !== undefined) {
        ctx.track(done.guestId, target);
      }
      if (done.status !== 'succeeded') {
        fail(`operation ${done.type} ${done.id} ended ${done.status}: ${done.error?.message ?? 'no error'}`);
      }
      return done;
    },
    track(guestId, target = connector) {
      if (!tracked.some((t) => t.guestId === guestId && t.connector === target)) {
        tracked.push({ guestId, connector: target });
      }
    },
    async open(which) {
      const { connectRestricted, slowOperations } = fixture;
      const sources: Record<typeof which, ConnectorSource | undefined> = {
        another: () => fixture.connect(),
        restricted: connectRestricted && (() => connectRestricted.call(fixture)),
        slow: slowOperations && (() => slowOperations.connect()),
      };
      const source = sources[which];
      if (!source) {
        return ctx.skip(
          `the fixture has no ${which === 'restricted' ? 'connectRestricted' : 'slowOperations'}`,
        );
      }
      const other = await source();
      opened.push(other);
      return other;
    },
    async capabilities(target = connector) {
      let caps = capabilityCache.get(target);
      if (!caps) {
        caps = (await target.describe()).capabilities;
        capabilityCache.set(target, caps);
      }
      return caps;
    },
    async requireCapability(name, target = connector) {
      if (!hasCapability(await ctx.capabilities(target), name)) {
        ctx.skip(`the connector reports no "${name}" capability (the restricted cases check UNSUPPORTED)`);
      }
    },
    async nodeNames(target = connector) {
      return (await target.listNodes()).map((node) => node.name);
    },
    skip(reason) {
      throw new CaseSkip(reason);
    },
    async dispose() {
      if (!fixture.isolated) {
        await Promise.all(tracked.map((t) => removeGuest(t.connector, t.guestId, waitTimeoutMs)));
      }
      await Promise.all(opened.map((c) => c.close().catch(ignoreContractError)));
    },
  };
  return ctx;
}

function ignoreContractError(error: unknown): void {
  if (!isHypervisorError(error)) throw error;
}
