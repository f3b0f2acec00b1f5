import {
  type CallOptions,
  CancelledError,
  type Capabilities,
  type CapabilityName,
  CloneSpecSchema,
  ConsoleRequestSchema,
  type GuestEvent,
  type GuestFilter,
  GuestFilterSchema,
  GuestIdSchema,
  GuestPatchSchema,
  GuestSpecSchema,
  type GuestType,
  type HypervisorConnector,
  type HypervisorError,
  isHypervisorError,
  MetricsRequestSchema,
  MigrateSpecSchema,
  OperationIdSchema,
  parseInput,
  SnapshotNameSchema,
  SnapshotSpecSchema,
  SPECIFICATION_VERSION,
  TimeoutError,
  toHypervisorError,
  UnavailableError,
  UnsupportedOperationError,
  WaitLimitsSchema,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { cancelled } from '../abort/abort.js';
import { requireCapability } from '../capabilities/require-capability.js';
import { type CallContext, ConnectorCallContext } from './call-context.js';
import type { ConnectorImplementation } from './connector-implementation.js';
import { CONNECTOR_METHODS, type ConnectorMethod } from './connector-methods.js';
import { IdempotentWrites, withIdempotentWrites } from './idempotent-writes.js';
import { inventoryMethods } from './inventory-methods.js';
import { parseWithProviderOptions as parseWithOptions } from './provider-options.js';
import { provisioningMethods } from './provisioning-methods.js';
import { specCapabilities } from './spec-capabilities.js';

/** A started call: its context and, when it has one, its deadline. */
interface StartedCall {
  readonly method: ConnectorMethod;
  readonly context: ConnectorCallContext;
  readonly callerSignal: AbortSignal | undefined;
  readonly deadline: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
}

/**
 * Turns a {@link ConnectorImplementation} into a `HypervisorConnector`. Every call, in this order: UNAVAILABLE
 * once the connector is closed; CANCELLED when the caller's signal has already fired; INVALID_ARGUMENT for input
 * the contract's schemas refuse (guest ids, specs, filters, names, `timeoutMs`) and options under the connector's own
 * `providerOptions.<kind>` its `providerOptions` schemas refuse, before anything is sent; a write with an
`idempotencyKey` already used runs no second time (see `IdempotentWrites`);
 * UNSUPPORTED for a capability the connector's current capabilities lack, for the guest's type too when the
 * implementation knows it (`guestTypeOf`); then the implementation, with a `CallContext` whose signal carries the
 * caller's signal and the call's `timeoutMs` deadline. Whatever the implementation throws comes out as a
 * `HypervisorError` naming the target: a passed deadline as TIMEOUT, an abort as CANCELLED, anything that is not
 * a contract error as INTERNAL. `extra`'s members (the connector's own escape hatches, test hooks) are added to
 * the result.
 */
export function defineConnector<Ref = string, Extra extends object = Record<never, never>>(
  implementation: ConnectorImplementation<Ref>,
  extra?: Extra,
): HypervisorConnector & Extra {
  const impl = implementation;
  const target = impl.target;
  const targetOption = target === undefined ? {} : { target };
  const capabilities = frozenCopy(impl.capabilities);
  const current = impl.currentCapabilities
    ? (context: CallContext) => impl.currentCapabilities!(context)
    : () => capabilities;
  let closing: Promise<void> | undefined;

  const start = (method: ConnectorMethod, options: CallOptions | undefined): StartedCall => {
    const withDeadline = method !== 'waitForOperation';
    if (closing !== undefined) {
      throw new UnavailableError('the connector is closed', { ...targetOption, retryable: false });
    }
    const callerSignal = options?.signal;
    if (callerSignal?.aborted) throw cancelled(callerSignal);
    const timeoutMs = options?.timeoutMs;
    let deadline: AbortSignal | undefined;
    if (timeoutMs !== undefined) {
      parseInput(WaitLimitsSchema, { timeoutMs }, withDeadline ? 'call options' : 'wait options');
      if (withDeadline) deadline = AbortSignal.timeout(timeoutMs);
    }
    const signal =
      deadline === undefined
        ? callerSignal
        : callerSignal === undefined
          ? deadline
          : AbortSignal.any([callerSignal, deadline]);
    return {
      method,
      context: new ConnectorCallContext(signal, target, current),
      callerSignal,
      deadline,
      timeoutMs,
    };
  };

  const normalise = (error: unknown, call: StartedCall): HypervisorError => {
    // A write stopped by its deadline or its caller once running may have reached the hypervisor: say so, unless
    // the implementation, which knows whether its request went out, has already said what happened.
    const mayHaveBeenApplied = CONNECTOR_METHODS[call.method].write;
    if (call.deadline?.aborted && !call.callerSignal?.aborted && !isHypervisorError(error, 'TIMEOUT')) {
      return new TimeoutError(`the call did not end within ${call.timeoutMs} ms`, {
        ...targetOption,
        cause: error,
        mayHaveBeenApplied: isHypervisorError(error) ? error.mayHaveBeenApplied : mayHaveBeenApplied,
      });
    }
    if (isHypervisorError(error)) {
      if (error.target === undefined && target !== undefined) {
        Object.defineProperty(error, 'target', { value: target, enumerable: true });
      }
      return error;
    }
    if (call.callerSignal?.aborted) {
      return new CancelledError('the call was aborted', {
        ...targetOption,
        cause: call.callerSignal.reason,
        mayHaveBeenApplied,
      });
    }
    return toHypervisorError(error, target);
  };

  /** Runs one call: start checks, then `body` with the context; errors normalised. */
  const run = async <T>(
    method: ConnectorMethod,
    options: CallOptions | undefined,
    body: (context: ConnectorCallContext) => Promise<T>,
  ): Promise<T> => {
    const call = start(method, options);
    try {
      return await body(call.context);
    } catch (error) {
      throw normalise(error, call);
    }
  };

  const guestRef = (guestId: string): Ref =>
    impl.guestRef ? impl.guestRef(guestId) : (parseInput(GuestIdSchema, guestId, 'guest id') as Ref);

  /**
   * The capability gate: every name, for the guest's type when known. Synchronous when the capabilities are (no
   * `currentCapabilities`, or one that answers at once), so a call adds no turn of the event loop for it.
   */
  const gate = (context: CallContext, type: GuestType | undefined, ...names: CapabilityName[]) => {
    const check = (capabilities: Capabilities) => {
      for (const name of names) {
        requireCapability(capabilities, name, {
          ...targetOption,
          ...(type === undefined ? {} : { guestType: type }),
        });
      }
    };
    const capabilities = current(context);
    if (capabilities instanceof Promise) return capabilities.then(check);
    check(capabilities);
    return undefined;
  };
  const typeOf = (ref: Ref) => impl.guestTypeOf?.(ref);

  /** `next()` once `gated` has passed: at once when the gate was synchronous. */
  const then = <T>(gated: Promise<void> | undefined, next: () => Promise<T>): Promise<T> =>
    gated === undefined ? next() : gated.then(next);

  /** The implementation's method, or UNSUPPORTED naming the capability it would need. */
  const need = <F>(method: F | undefined, capability: CapabilityName): F => {
    if (method !== undefined) return method;
    throw new UnsupportedOperationError(capability, undefined, targetOption);
  };

  /** `watchGuests`: the start checks on the first `next()`, then the implementation's events, errors normalised. */
  async function* watchGuests(filter: GuestFilter | undefined, options: CallOptions | undefined) {
    const call = start('watchGuests', options);
    let events: AsyncIterator<GuestEvent>;
    try {
      const parsed = parseInput(GuestFilterSchema, filter ?? {}, 'guest filter');
      await gate(call.context, undefined, 'watch');
      events = need(impl.watchGuests, 'watch').call(impl, parsed, call.context)[Symbol.asyncIterator]();
    } catch (error) {
      throw normalise(error, call);
    }
    try {
      for (;;) {
        let next: IteratorResult<GuestEvent>;
        try {
          next = await events.next();
        } catch (error) {
          throw normalise(error, call);
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await events.return?.();
    }
  }

  const operationId = (id: string) => parseInput(OperationIdSchema, id, 'operation id');
  const snapshotName = (name: string) => parseInput(SnapshotNameSchema, name, 'snapshot name');

  const connector: HypervisorConnector = {
    specificationVersion: SPECIFICATION_VERSION,
    kind: impl.kind,
    capabilities,
    describe: (options) => run('describe', options, (c) => impl.describe(c)),
    listNodes: (options) => run('listNodes', options, (c) => impl.listNodes(c)),
    listGuests: (filter, options) =>
      run('listGuests', options, (c) =>
        impl.listGuests(parseInput(GuestFilterSchema, filter ?? {}, 'guest filter'), c),
      ),
    getGuest: (guestId, options) => run('getGuest', options, (c) => impl.getGuest(guestRef(guestId), c)),
    createGuest: (spec, options) =>
      run('createGuest', options, (c) => {
        const parsed = parseWithOptions(GuestSpecSchema, spec, 'guest spec', impl, 'createGuest');
        return then(gate(c, parsed.type, ...specCapabilities(parsed)), () => impl.createGuest(parsed, c));
      }),
    cloneGuest: (guestId, spec, options) =>
      run('cloneGuest', options, (c) => {
        const ref = guestRef(guestId);
        const parsed = parseWithOptions(CloneSpecSchema, spec ?? {}, 'clone spec', impl, 'cloneGuest');
        const capability = parsed.mode === 'linked' ? 'clone.linked' : 'clone.full';
        return then(gate(c, typeOf(ref), capability), () =>
          need(impl.cloneGuest, capability).call(impl, ref, parsed, c),
        );
      }),
    updateGuest: (guestId, patch, options) =>
      run('updateGuest', options, (c) => {
        const ref = guestRef(guestId);
        const parsed = parseWithOptions(GuestPatchSchema, patch, 'guest patch', impl, 'updateGuest');
        return then(gate(c, typeOf(ref), 'update'), () =>
          need(impl.updateGuest, 'update').call(impl, ref, parsed, c),
        );
      }),
    deleteGuest: (guestId, options) =>
      run('deleteGuest', options, (c) => impl.deleteGuest(guestRef(guestId), c)),
    startGuest: (guestId, options) =>
      run('startGuest', options, (c) => impl.startGuest(guestRef(guestId), c)),
    stopGuest: (guestId, options) => run('stopGuest', options, (c) => impl.stopGuest(guestRef(guestId), c)),
    shutdownGuest: (guestId, options) =>
      run('shutdownGuest', options, (c) => impl.shutdownGuest(guestRef(guestId), c)),
    rebootGuest: (guestId, options) =>
      run('rebootGuest', options, (c) => impl.rebootGuest(guestRef(guestId), c)),
    resetGuest: (guestId, options) =>
      run('resetGuest', options, (c) => {
        const ref = guestRef(guestId);
        return then(gate(c, typeOf(ref), 'reset'), () => need(impl.resetGuest, 'reset').call(impl, ref, c));
      }),
    suspendGuest: (guestId, options) =>
      run('suspendGuest', options, (c) => {
        const ref = guestRef(guestId);
        return then(gate(c, typeOf(ref), 'suspend'), () =>
          need(impl.suspendGuest, 'suspend').call(impl, ref, c),
        );
      }),
    resumeGuest: (guestId, options) =>
      run('resumeGuest', options, (c) => {
        const ref = guestRef(guestId);
        return then(gate(c, typeOf(ref), 'suspend'), () =>
          need(impl.resumeGuest, 'suspend').call(impl, ref, c),
        );
      }),
    migrateGuest: (guestId, spec, options) =>
      run('migrateGuest', options, (c) => {
        const ref = guestRef(guestId);
        const parsed = parseWithOptions(MigrateSpecSchema, spec, 'migrate spec', impl, 'migrateGuest');
        const gated =
          parsed.online === undefined
            ? undefined
            : gate(c, typeOf(ref), parsed.online ? 'migration.live' : 'migration.offline');
        return then(gated, () => need(impl.migrateGuest, 'migration.offline').call(impl, ref, parsed, c));
      }),
    listSnapshots: (guestId, options) =>
      run('listSnapshots', options, (c) => {
        const ref = guestRef(guestId);
        return then(gate(c, typeOf(ref), 'snapshots'), () =>
          need(impl.listSnapshots, 'snapshots').call(impl, ref, c),
        );
      }),
    createSnapshot: (guestId, spec, options) =>
      run('createSnapshot', options, (c) => {
        const ref = guestRef(guestId);
        const parsed = parseInput(SnapshotSpecSchema, spec, 'snapshot spec');
        const names: CapabilityName[] = parsed.includeMemory
          ? ['snapshots', 'memorySnapshots']
          : ['snapshots'];
        return then(gate(c, typeOf(ref), ...names), () =>
          need(impl.createSnapshot, 'snapshots').call(impl, ref, parsed, c),
        );
      }),
    rollbackSnapshot: (guestId, name, options) =>
      run('rollbackSnapshot', options, (c) => {
        const ref = guestRef(guestId);
        const snapshot = snapshotName(name);
        return then(gate(c, typeOf(ref), 'snapshots'), () =>
          need(impl.rollbackSnapshot, 'snapshots').call(impl, ref, snapshot, c),
        );
      }),
    deleteSnapshot: (guestId, name, options) =>
      run('deleteSnapshot', options, (c) => {
        const ref = guestRef(guestId);
        const snapshot = snapshotName(name);
        return then(gate(c, typeOf(ref), 'snapshots'), () =>
          need(impl.deleteSnapshot, 'snapshots').call(impl, ref, snapshot, c),
        );
      }),
    openConsole: (guestId, request, options) =>
      run('openConsole', options, (c) => {
        const ref = guestRef(guestId);
        const parsed = parseInput(ConsoleRequestSchema, request, 'console request');
        const capability = `console.${parsed.protocol}` as const;
        return then(gate(c, typeOf(ref), capability), () =>
          need(impl.openConsole, capability).call(impl, ref, parsed, c),
        );
      }),
    getMetrics: (guestId, request, options) =>
      run('getMetrics', options, (c) => {
        const ref = guestRef(guestId);
        const parsed = parseInput(MetricsRequestSchema, request ?? {}, 'metrics request');
        return then(gate(c, typeOf(ref), 'metrics'), () =>
          need(impl.getMetrics, 'metrics').call(impl, ref, parsed, c),
        );
      }),
    ...inventoryMethods(impl, { run, gate: (c, name) => gate(c, undefined, name), target }),
    ...provisioningMethods(impl, { run, guestRef, typeOf, gate, current, target }),
    watchGuests: (filter, options) => watchGuests(filter, options),
    getOperation: (id, options) => run('getOperation', options, (c) => impl.getOperation(operationId(id), c)),
    waitForOperation: (id, options: WaitOptions = {}) =>
      run('waitForOperation', options, (c) => impl.waitForOperation(operationId(id), options, c)),
    cancelOperation: (id, options) =>
      run('cancelOperation', options, (c) => {
        const parsed = operationId(id);
        return then(gate(c, undefined, 'cancelOperation'), () =>
          need(impl.cancelOperation, 'cancelOperation').call(impl, parsed, c),
        );
      }),
    close: () => {
      closing ??= impl.close();
      return closing;
    },
    [Symbol.asyncDispose]: () => connector.close(),
  };
  withIdempotentWrites(connector, new IdempotentWrites());
  if (extra !== undefined) Object.defineProperties(connector, Object.getOwnPropertyDescriptors(extra));
  return connector as HypervisorConnector & Extra;
}

/** A deep copy of `capabilities` that cannot be changed, so `connector.capabilities` always tells the truth. */
function frozenCopy(capabilities: Capabilities): Capabilities {
  const copy = structuredClone(capabilities);
  const freeze = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const member of Object.values(value)) freeze(member);
    Object.freeze(value);
  };
  freeze(copy);
  return copy;
}
