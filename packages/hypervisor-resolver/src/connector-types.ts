import type { ConnectorFactory } from '@hvc/hypervisor-connector';

/**
 * Loads a connector on first use, e.g. `() => import('@hvc/hypervisor-connector-proxmox')`. It may return (or
 * resolve to) the factory itself, or a module that exports it as `default` or under any name.
 */
export type ConnectorLoader = () => object | PromiseLike<object>;

/**
 * Connector factories by kind, eager (`{ memory: memoryConnectorFactory }`) or lazy
 * (`{ proxmox: () => import('@hvc/hypervisor-connector-proxmox') }`). The resolver keeps each kind's types: its
 * config (input and parsed) and the connector its factory creates.
 */
export type ConnectorsOption = { readonly [kind: string]: ConnectorFactory | ConnectorLoader };

/**
 * The kinds a registry names. (Spelt through a mapped type so that TypeScript compares two resolvers by their
 * members: a resolver of any registry is then assignable to a plain `Resolver`.)
 */
export type ConnectorKind<Connectors> = keyof {
  readonly [Kind in keyof Connectors as Kind & string]: 0;
} &
  string;

/** The factory an entry of a registry stands for once loaded; `never` when a loader's module exports none. */
type FactoryOf<Entry> = Entry extends ConnectorFactory
  ? Entry
  : Entry extends () => infer Loaded
    ? FactoryIn<Awaited<Loaded>>
    : never;

/** The factory in what a loader returns: itself, its `default` export, or its exports that are factories. */
type FactoryIn<Loaded> = Loaded extends ConnectorFactory
  ? Loaded
  : Loaded extends { readonly default: infer Default extends ConnectorFactory }
    ? Default
    : FactoryMembers<Loaded>;

type FactoryMembers<Module> = {
  [Name in keyof Module]: Module[Name] extends ConnectorFactory ? Module[Name] : never;
}[keyof Module];

/**
 * `Connectors` with every entry whose factory cannot be found turned into the type it should have, so that
 * `createResolver` reports a loader of the wrong module where it is registered.
 */
export type CheckedConnectors<Connectors> = {
  readonly [Kind in keyof Connectors]: [FactoryOf<Connectors[Kind]>] extends [never]
    ? ConnectorFactory | (() => PromiseLike<ConnectorFactory | { readonly default: ConnectorFactory }>)
    : Connectors[Kind];
};

/** The input and output types a schema declares through Standard Schema (every zod schema does). */
type SchemaTypes<Schema> = Schema extends {
  readonly '~standard': {
    readonly types?: { readonly input: infer Input; readonly output: infer Output } | undefined;
  };
}
  ? { readonly input: Input; readonly output: Output }
  : { readonly input: never; readonly output: never };

/** The factory registered as `Kind`. */
export type KindFactory<Connectors, Kind extends string> = Connectors extends infer Registry
  ? Kind extends keyof Registry
    ? FactoryOf<Registry[Kind]>
    : never
  : never;

type FactorySchemaTypes<Connectors, Kind extends string> = SchemaTypes<
  KindFactory<Connectors, Kind>['configSchema']
>;

/** The config of a target of `Kind` as its factory's `configSchema` parses it (what `create` receives). */
export type TargetConfig<Connectors, Kind extends string> = FactorySchemaTypes<Connectors, Kind>['output'];

/**
 * The config of a target of `Kind` as a descriptor writes it: the input type of the factory's `configSchema`, or
 * (when the factory's type does not declare one, `configSchema: z.ZodType<Config>`) the parsed config type.
 */
export type TargetConfigInput<Connectors, Kind extends string> = unknown extends FactorySchemaTypes<
  Connectors,
  Kind
>['input']
  ? TargetConfig<Connectors, Kind>
  : FactorySchemaTypes<Connectors, Kind>['input'];

/** The connector type the factory of `Kind` creates. */
export type KindConnector<Connectors, Kind extends string> = ReturnType<
  KindFactory<Connectors, Kind>['create']
>;
