import {
  type CallOptions,
  type CapabilityName,
  GuestPageQuerySchema,
  type HypervisorConnector,
  ImageQuerySchema,
  NetworkQuerySchema,
  OperationQuerySchema,
  parseInput,
  StorageQuerySchema,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';
import type { z } from 'zod';
import { guestPageFromList } from '../paging/guest-page.js';
import type { CallContext } from './call-context.js';
import type { ConnectorImplementation } from './connector-implementation.js';
import type { ConnectorMethod } from './connector-methods.js';

type PagedListMethod = 'listStorages' | 'listNetworks' | 'listImages' | 'listGuestsPage' | 'listOperations';

/** What `defineConnector` lends the paged list methods: its call runner and its capability gate. */
export interface InventoryCallRunner {
  run<T>(
    method: ConnectorMethod,
    options: CallOptions | undefined,
    body: (c: CallContext) => Promise<T>,
  ): Promise<T>;
  /** The capability gate: `undefined` when it passed synchronously, a promise when it is still checking. */
  gate(context: CallContext, name: CapabilityName): Promise<void> | undefined;
  readonly target: string | undefined;
}

/**
 * The contract's paged list methods over an implementation: the query validated (INVALID_ARGUMENT naming the field),
 * the capability gated, then the implementation's method, or UNSUPPORTED naming the capability when it has none.
 * `listGuestsPage` needs no capability: without one of its own, the implementation's `listGuests` is paged here.
 */
export function inventoryMethods<Ref>(
  impl: ConnectorImplementation<Ref>,
  runner: InventoryCallRunner,
): Pick<HypervisorConnector, PagedListMethod> {
  const method =
    <S extends z.ZodType, T>(
      name: PagedListMethod,
      schema: S,
      what: string,
      capability: CapabilityName | undefined,
      call: ((query: z.output<S>, context: CallContext) => Promise<T>) | undefined,
    ) =>
    (query: z.input<S> | undefined, options?: CallOptions): Promise<T> =>
      runner.run(name, options, async (context) => {
        const parsed = parseInput(schema, query ?? {}, what);
        if (capability !== undefined) await runner.gate(context, capability);
        if (call === undefined) {
          throw new UnsupportedOperationError(
            capability ?? name,
            undefined,
            runner.target === undefined ? {} : { target: runner.target },
          );
        }
        return call.call(impl, parsed, context);
      });
  return {
    listStorages: method(
      'listStorages',
      StorageQuerySchema,
      'storage query',
      'inventory.storages',
      impl.listStorages,
    ),
    listNetworks: method(
      'listNetworks',
      NetworkQuerySchema,
      'network query',
      'inventory.networks',
      impl.listNetworks,
    ),
    listImages: method('listImages', ImageQuerySchema, 'image query', 'inventory.images', impl.listImages),
    listGuestsPage: method(
      'listGuestsPage',
      GuestPageQuerySchema,
      'guest page query',
      undefined,
      impl.listGuestsPage ??
        ((query, context) => guestPageFromList((filter) => impl.listGuests(filter, context), query)),
    ),
    listOperations: method(
      'listOperations',
      OperationQuerySchema,
      'operation query',
      'operationList',
      impl.listOperations,
    ),
  };
}
