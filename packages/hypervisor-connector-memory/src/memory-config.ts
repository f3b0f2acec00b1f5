import {
  ADDRESS_SOURCES,
  type Capabilities,
  CONSOLE_PROTOCOLS,
  FULL_CAPABILITIES,
  GUEST_TYPES,
  GuestNameSchema,
  type GuestType,
  MAX_MEMORY_MIB,
  NodeNameSchema,
  OPTIONAL_CAPABILITIES_MISSING,
  type OperationType,
  parseInput,
  ResourceNameSchema,
  TagSchema,
} from '@hvc/hypervisor-connector';
import { type Clock, isClock, systemClock } from '@hvc/hypervisor-connector-kit';
import { z } from 'zod';
import {
  checkInventorySeed,
  DEFAULT_MEMORY_INVENTORY,
  InventorySeedSchema,
  type MemoryInventorySeed,
  type ResolvedMemoryInventory,
} from './inventory-seeds.js';

/** A guest the memory connector starts with. */
export interface MemoryGuestSeed {
  readonly type: GuestType;
  readonly name: string;
  /** Its node; the first node when absent. */
  readonly node?: string;
  /** Default `stopped`. A template is always stopped. */
  readonly state?: 'running' | 'stopped';
  /** Default 1. */
  readonly cpus?: number;
  /** Default 512. */
  readonly memoryMiB?: number;
  /** Total disk in GiB; default 8. */
  readonly diskGiB?: number;
  readonly tags?: readonly string[];
  readonly pool?: string;
  readonly description?: string;
  /** Whether the guest is a template (linked clones are made from templates). Default false. */
  readonly template?: boolean;
}

/** What {@link MemoryConnectorConfig.failOperations} is told about an operation that is about to start. */
export interface OperationFailureContext {
  readonly type: OperationType;
  /** The guest the operation acts on (for create and clone, the new guest). */
  readonly guestId?: string;
}

/** Decides whether an operation fails: return the failure message, or `undefined` to let it succeed. */
export type FailOperationsHook = (context: OperationFailureContext) => string | undefined;

/** The nested capability groups an override merges field by field. */
type NestedGroup = 'clone' | 'migration' | 'inventory' | 'sources' | 'disks' | 'nics' | 'cloudInit';

/**
 * Capabilities to switch off (or on); nested groups merge field by field with {@link MEMORY_CAPABILITIES}.
 */
export interface MemoryCapabilitiesOverride extends Partial<Omit<Capabilities, NestedGroup>> {
  readonly clone?: Partial<Capabilities['clone']>;
  readonly migration?: Partial<Capabilities['migration']>;
  readonly inventory?: Partial<NonNullable<Capabilities['inventory']>>;
  readonly sources?: Partial<NonNullable<Capabilities['sources']>>;
  readonly disks?: Partial<NonNullable<Capabilities['disks']>>;
  readonly nics?: Partial<NonNullable<Capabilities['nics']>>;
  readonly cloudInit?: Partial<NonNullable<Capabilities['cloudInit']>>;
}

/**
 * What a memory connector can do unless its config says otherwise: the whole contract, except the optional groups
 * it does not implement, and addresses from its `host` only.
 */
export const MEMORY_CAPABILITIES: Capabilities = Object.freeze({
  ...FULL_CAPABILITIES,
  ...OPTIONAL_CAPABILITIES_MISSING,
  inventory: { storages: true, networks: true, images: true },
  sources: { template: true, image: true, iso: true },
  bootOrder: true,
  templates: true,
  disks: { add: true, remove: true, resize: true, resizeRunning: true },
  nics: { add: true, remove: true },
  cloudInit: { config: true, hostname: true, userData: true, userDataVolume: true },
  guestConfig: true,
  guestAddresses: ['host'],
  consoleStream: ['vnc'],
  watch: true,
  operationList: true,
}) as Capabilities;

/**
 * Configures a memory connector. Every field is optional; {@link MemoryConnectorConfigSchema} validates the plain
 * data and fills in the defaults.
 */
export interface MemoryConnectorConfig {
  /** The target's host nodes. Default `['node1', 'node2']`. */
  readonly nodes?: readonly string[];
  /** Guests that exist from the start, numbered in order from 100. */
  readonly guests?: readonly MemoryGuestSeed[];
  /** How long every operation runs, in milliseconds. Default 20. */
  readonly operationDurationMs?: number;
  /** The product version `describe()` reports. Default `1.0.0`. */
  readonly version?: string;
  /** The cluster name `describe()` reports, if any. */
  readonly clusterName?: string;
  /** Capabilities that differ from {@link MEMORY_CAPABILITIES}, e.g. `{ snapshots: false }`. */
  readonly capabilities?: MemoryCapabilitiesOverride;
  /** Makes chosen operations fail with OPERATION_FAILED; asked once as each operation starts. */
  readonly failOperations?: FailOperationsHook;
  /** The time source. Default the system clock; pass {@link createManualClock} for deterministic tests. */
  readonly clock?: Clock;
  /** Delay before each call answers, in milliseconds, on the configured clock. Default 0. */
  readonly latencyMs?: number;
  /**
   * The storages, networks and images the connector lists; each list given replaces its default
   * ({@link DEFAULT_MEMORY_INVENTORY}). Guest templates are listed as images too.
   */
  readonly inventory?: MemoryInventorySeed;
}

/** What `createMemoryConnector` accepts: the same shape as {@link MemoryConnectorConfig}. */
export type MemoryConnectorConfigInput = MemoryConnectorConfig;

/** A memory connector's configuration with every default applied. */
export interface ResolvedMemoryConfig {
  readonly nodes: readonly string[];
  readonly guests: readonly MemoryGuestSeed[];
  readonly operationDurationMs: number;
  readonly version: string;
  readonly clusterName?: string;
  readonly capabilities: Capabilities;
  readonly failOperations?: FailOperationsHook;
  readonly clock: Clock;
  readonly latencyMs: number;
  readonly inventory: ResolvedMemoryInventory;
}

const GuestSeedSchema = z
  .strictObject({
    type: z.enum(GUEST_TYPES),
    name: GuestNameSchema,
    node: NodeNameSchema.optional(),
    state: z.enum(['running', 'stopped']).optional(),
    cpus: z.number().int().min(1).max(1024).optional(),
    memoryMiB: z.number().int().min(16).max(MAX_MEMORY_MIB).optional(),
    diskGiB: z
      .number()
      .positive()
      .max(1024 * 1024)
      .optional(),
    tags: z.array(TagSchema).max(64).optional(),
    pool: ResourceNameSchema.optional(),
    description: z.string().max(8192).optional(),
    template: z.boolean().optional(),
  })
  .refine((seed) => !(seed.template && seed.state === 'running'), {
    message: 'a template cannot be running',
    path: ['state'],
  });

/** A nested capability group of an override: each named flag optional, nothing else. */
function flags<const K extends string>(...names: K[]) {
  const shape = Object.fromEntries(names.map((name) => [name, z.boolean().optional()])) as Record<
    K,
    z.ZodOptional<z.ZodBoolean>
  >;
  return z.strictObject(shape).optional();
}

const CapabilitiesOverrideSchema = z.strictObject({
  guestTypes: z.array(z.enum(GUEST_TYPES)).optional(),
  create: z.boolean().optional(),
  update: z.boolean().optional(),
  clone: z.strictObject({ full: z.boolean().optional(), linked: z.boolean().optional() }).optional(),
  snapshots: z.boolean().optional(),
  memorySnapshots: z.boolean().optional(),
  migration: z.strictObject({ offline: z.boolean().optional(), live: z.boolean().optional() }).optional(),
  suspend: z.boolean().optional(),
  reset: z.boolean().optional(),
  console: z.array(z.enum(CONSOLE_PROTOCOLS)).optional(),
  // The in-process console stream speaks RFB only.
  consoleStream: z.array(z.literal('vnc')).optional(),
  metrics: z.boolean().optional(),
  cancelOperation: z.boolean().optional(),
  inventory: flags('storages', 'networks', 'images'),
  sources: flags('template', 'image', 'iso'),
  bootOrder: z.boolean().optional(),
  templates: z.boolean().optional(),
  disks: flags('add', 'remove', 'resize', 'resizeRunning'),
  nics: flags('add', 'remove'),
  cloudInit: flags('config', 'hostname', 'userData', 'userDataVolume'),
  guestConfig: z.boolean().optional(),
  guestAddresses: z.array(z.enum(ADDRESS_SOURCES)).optional(),
  watch: z.boolean().optional(),
  operationList: z.boolean().optional(),
  notes: z.record(z.string(), z.string()).optional(),
  unsupportedByGuestType: z
    .partialRecord(z.enum(GUEST_TYPES), z.record(z.string(), z.string().min(1)))
    .optional(),
});

/**
 * What the memory connector's guest types lack unless the config says otherwise: as on real hypervisors, a
 * container has no hard reset and no memory state to snapshot.
 */
export const MEMORY_UNSUPPORTED_BY_GUEST_TYPE: NonNullable<Capabilities['unsupportedByGuestType']> = {
  container: {
    reset: 'containers have no hard reset; reboot them',
    memorySnapshots: 'containers have no memory state to save',
  },
};

const ConfigObjectSchema = z
  .strictObject({
    nodes: z.array(NodeNameSchema).min(1).max(64).default(['node1', 'node2']),
    guests: z.array(GuestSeedSchema).max(10_000).default([]),
    operationDurationMs: z.number().int().min(0).max(86_400_000).default(20),
    version: z.string().min(1).max(64).default('1.0.0'),
    clusterName: z.string().min(1).max(64).optional(),
    capabilities: CapabilitiesOverrideSchema.optional(),
    failOperations: z
      .custom<FailOperationsHook>((value) => typeof value === 'function', 'not a function')
      .optional(),
    clock: z.custom<Clock>(isClock, 'not a clock (now, setTimeout, clearTimeout)').optional(),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    inventory: InventorySeedSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (new Set(config.nodes).size !== config.nodes.length) {
      ctx.addIssue({ code: 'custom', path: ['nodes'], message: 'node names must be unique' });
    }
    config.guests.forEach((seed, index) => {
      if (seed.node !== undefined && !config.nodes.includes(seed.node)) {
        ctx.addIssue({ code: 'custom', path: ['guests', index, 'node'], message: 'not one of the nodes' });
      }
    });
    for (const issue of checkInventorySeed(inventoryOf(config.inventory), config.nodes)) {
      ctx.addIssue({ code: 'custom', path: ['inventory', ...issue.path], message: issue.message });
    }
  });

function inventoryOf(seed: MemoryInventorySeed | undefined): ResolvedMemoryInventory {
  return {
    storages: seed?.storages ?? DEFAULT_MEMORY_INVENTORY.storages,
    networks: seed?.networks ?? DEFAULT_MEMORY_INVENTORY.networks,
    images: seed?.images ?? DEFAULT_MEMORY_INVENTORY.images,
  };
}

/**
 * Validates a memory connector's configuration. Plain-data fields are checked; `failOperations` must be a function
 * and `clock` must have `now`, `setTimeout` and `clearTimeout`. The output has the defaults filled in.
 */
export const MemoryConnectorConfigSchema: z.ZodType<MemoryConnectorConfig, MemoryConnectorConfigInput> =
  ConfigObjectSchema;

/** Validates `input` (INVALID_ARGUMENT when bad) and applies every default. */
export function resolveMemoryConfig(input: MemoryConnectorConfigInput = {}): ResolvedMemoryConfig {
  const config = parseInput(ConfigObjectSchema, input, 'memory connector config');
  const { capabilities, clock, failOperations, clusterName, inventory, ...rest } = config;
  return {
    ...rest,
    inventory: inventoryOf(inventory),
    capabilities: mergeCapabilities(capabilities ?? {}),
    clock: clock ?? systemClock,
    ...(failOperations === undefined ? {} : { failOperations }),
    ...(clusterName === undefined ? {} : { clusterName }),
  };
}

function mergeCapabilities(override: MemoryCapabilitiesOverride): Capabilities {
  const { clone, migration, inventory, sources, disks, nics, cloudInit, ...flat } = override;
  const base = structuredClone(MEMORY_CAPABILITIES) as Required<Capabilities>;
  return {
    ...base,
    ...structuredClone(flat),
    clone: { ...base.clone, ...clone },
    migration: { ...base.migration, ...migration },
    inventory: { ...base.inventory, ...inventory },
    sources: { ...base.sources, ...sources },
    disks: { ...base.disks, ...disks },
    nics: { ...base.nics, ...nics },
    cloudInit: { ...base.cloudInit, ...cloudInit },
    unsupportedByGuestType: structuredClone(flat.unsupportedByGuestType ?? MEMORY_UNSUPPORTED_BY_GUEST_TYPE),
  };
}
