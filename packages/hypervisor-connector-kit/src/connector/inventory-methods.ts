import {
  type CallOptions,
  type CapabilityName,
  type HypervisorConnector,
  ImageQuerySchema,
  NetworkQuerySchema,
  parseInput,
  StorageQuerySchema,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';
import type { z } from 'zod';
import type { CallContext } from './call-context.js';
import type { ConnectorImplementation } from './connector-implementation.js';
import type { ConnectorMethod } from './connector-methods.js';

type InventoryMethod = 'listStorages' | 'listNetworks' | 'listImages';

/** What `defineConnector` lends the inventory methods: its call runner and its capability gate. */
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
 * The contract's inventory methods over an implementation: the query validated (INVALID_ARGUMENT naming the field),
 * the capability gated, then the implementation's method, or UNSUPPORTED naming the capability when it has none.
 */
export function inventoryMethods<Ref>(
  impl: ConnectorImplementation<Ref>,
  runner: InventoryCallRunner,
): Pick<HypervisorConnector, InventoryMethod> {
  const method =
    <S extends z.ZodType, T>(
      name: InventoryMethod,
      schema: S,
      what: string,
      capability: CapabilityName,
      call: ((query: z.output<S>, context: CallContext) => Promise<T>) | undefined,
    ) =>
    (query: z.input<S> | undefined, options?: CallOptions): Promise<T> =>
      runner.run(name, options, async (context) => {
        const parsed = parseInput(schema, query ?? {}, what);
        await runner.gate(context, capability);
        if (call === undefined) {
          throw new UnsupportedOperationError(
            capability,
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
  };
}
