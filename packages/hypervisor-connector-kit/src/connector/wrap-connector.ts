import {
  type CallOptions,
  type GuestPageQueryInput,
  GuestPageQuerySchema,
  type HypervisorConnector,
  parseInput,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';
import { guestPageFromList } from '../paging/guest-page.js';
import { CONNECTOR_METHOD_NAMES, CONNECTOR_METHODS, type ConnectorMethod } from './connector-methods.js';

/** One call of a contract method as a middleware sees it. */
export type ConnectorCall = {
  [M in ConnectorMethod]: {
    readonly method: M;
    readonly args: Parameters<HypervisorConnector[M]>;
    /** The call's options argument (`WaitOptions` for `waitForOperation`), when the caller gave one. */
    readonly options: CallOptions | undefined;
  };
}[ConnectorMethod];

/**
 * Runs around every contract method of a wrapped connector. `next` runs the inner connector's method, with the
 * call's own arguments or with `args` when given (to pass other options, say). The middleware returns what the
 * method returns, or throws.
 */
export interface ConnectorMiddleware {
  call(call: ConnectorCall, next: (args?: readonly unknown[]) => Promise<unknown>): Promise<unknown>;
  /** Runs around `close()`; without it, close closes the inner connector. */
  close?(next: () => Promise<void>): Promise<void>;
}

/**
 * A connector that passes every contract method of `inner` through one middleware: the single point where guards,
 * instrumentation or policy see every call, without forwarding each method by hand. `kind`, `specificationVersion`
 * and `capabilities` are read from `inner`; `extra`'s members are added (a wrapper's own state or escape hatches).
 * Members of `inner` outside the contract are not exposed. A method `inner` lacks (a connector object written
 * against an earlier v1) throws UNSUPPORTED naming its capability when the middleware calls `next`; but
 * `listGuestsPage` is paged from `inner.listGuests`.
 */
export function wrapConnector<Extra extends object = Record<never, never>>(
  inner: HypervisorConnector,
  middleware: ConnectorMiddleware,
  extra?: Extra,
): HypervisorConnector & Extra {
  const wrapper = {
    specificationVersion: inner.specificationVersion,
    kind: inner.kind,
    get capabilities() {
      return inner.capabilities;
    },
    close: () => (middleware.close ? middleware.close(() => inner.close()) : inner.close()),
    [Symbol.asyncDispose]: () => wrapper.close(),
  } as Record<string | symbol, unknown> & { close(): Promise<void> };
  for (const method of CONNECTOR_METHOD_NAMES) {
    const { options: optionsAt, capability, kind } = CONNECTOR_METHODS[method];
    const invoke = (...args: unknown[]) => {
      const call = { method, args, options: args[optionsAt] as CallOptions | undefined } as ConnectorCall;
      const next = async (override?: readonly unknown[]) => {
        const own = inner[method] as ((...a: unknown[]) => unknown) | undefined;
        // An inner connector written against an earlier v1 lacks the methods added since: pages of its guests come
        // from its `listGuests`; the others are UNSUPPORTED, as the capability it cannot have declared says.
        if (typeof own !== 'function' && method === 'listGuestsPage') {
          const [query, options] = (override ?? args) as [GuestPageQueryInput | undefined, CallOptions?];
          const parsed = parseInput(GuestPageQuerySchema, query ?? {}, 'guest page query');
          return guestPageFromList((filter) => inner.listGuests(filter, options), parsed);
        }
        if (typeof own !== 'function') throw new UnsupportedOperationError(capability ?? method);
        return own.apply(inner, [...(override ?? args)]);
      };
      return middleware.call(call, next);
    };
    // A stream's establishment is the call the middleware sees (on the first `next()`); its events pass by.
    wrapper[method] =
      kind === 'stream'
        ? (...args: unknown[]) => ({
            async *[Symbol.asyncIterator]() {
              yield* (await invoke(...args)) as AsyncIterable<unknown>;
            },
          })
        : invoke;
  }
  if (extra !== undefined) Object.defineProperties(wrapper, Object.getOwnPropertyDescriptors(extra));
  return wrapper as unknown as HypervisorConnector & Extra;
}
