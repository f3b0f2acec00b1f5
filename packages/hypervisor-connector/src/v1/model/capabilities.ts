import type { ConsoleProtocol } from './console-ticket.js';
import type { GuestType } from './guest.js';
import type { AddressSource } from './guest-addresses.js';

/**
 * What a connector can do. A connector declares a static map (what the implementation supports at all) and
 * `describe()` refines it for one target and credential (its version, its privileges). A method whose capability
 * is missing throws UNSUPPORTED and changes nothing — and that holds for the refined map too: whatever `describe()`
 * reports missing for this target and credential, the connector refuses with UNSUPPORTED before touching anything.
 */
export interface Capabilities {
  /** The guest types the connector manages. */
  readonly guestTypes: readonly GuestType[];
  /** Create new guests from a spec. */
  readonly create: boolean;
  /** Change a guest's configuration. */
  readonly update: boolean;
  /** Clone modes. */
  readonly clone: { readonly full: boolean; readonly linked: boolean };
  /** Snapshots: list, create, roll back, delete. */
  readonly snapshots: boolean;
  /** Snapshots that include the running memory. */
  readonly memorySnapshots: boolean;
  /** Migration between nodes of the target. */
  readonly migration: { readonly offline: boolean; readonly live: boolean };
  /** Suspend and resume. */
  readonly suspend: boolean;
  /** Hard reset (VMs). */
  readonly reset: boolean;
  /** Console protocols that can be opened. */
  readonly console: readonly ConsoleProtocol[];
  /** Metric series. */
  readonly metrics: boolean;
  /** Cancelling a running operation. */
  readonly cancelOperation: boolean;
  /**
   * Listing what guests are made from and attached to: storages, networks, images. Optional, like every group added
   * to v1 after its first release: an absent group means every capability in it is missing.
   */
  readonly inventory?: {
    readonly storages: boolean;
    readonly networks: boolean;
    readonly images: boolean;
  };
  /** What a new VM can start from (`GuestSpec.source`). */
  readonly sources?: { readonly template: boolean; readonly image: boolean; readonly iso: boolean };
  /** Setting a VM's boot order (`GuestSpec.boot`). */
  readonly bootOrder?: boolean;
  /** Converting a stopped guest into a template. */
  readonly templates?: boolean;
  /** Disk changes of an existing guest; `resizeRunning`: growing a disk while the guest runs. */
  readonly disks?: {
    readonly add: boolean;
    readonly remove: boolean;
    readonly resize: boolean;
    readonly resizeRunning: boolean;
  };
  /** NIC changes of an existing guest. */
  readonly nics?: { readonly add: boolean; readonly remove: boolean };
  /**
   * Cloud-init (`GuestSpec.cloudInit`): `config` the user, password, keys, per-NIC addresses and DNS; `hostname` a
   * host name other than the guest's name; `userData` inline user-data; `userDataVolume` user-data from a volume.
   */
  readonly cloudInit?: {
    readonly config: boolean;
    readonly hostname: boolean;
    readonly userData: boolean;
    readonly userDataVolume: boolean;
  };
  /** Reading a guest's devices (`getGuestConfig`). */
  readonly guestConfig?: boolean;
  /** The sources `getGuestAddresses` can read. */
  readonly guestAddresses?: readonly AddressSource[];
  /** Console protocols `openConsoleStream` can open as a byte stream. */
  readonly consoleStream?: readonly ConsoleProtocol[];
  /** Watching guests change (`watchGuests`). */
  readonly watch?: boolean;
  /** Listing the target's operations (`listOperations`). */
  readonly operationList?: boolean;
  /** Why a capability is missing or partial, by capability name (`console`, `migration.live`, ...). */
  readonly notes?: Readonly<Record<string, string>>;
  /**
   * Capabilities one guest type lacks although the connector has them for others, each with why: PVE containers,
   * say, cannot be reset or snapshotted with memory: `{ container: { reset: 'containers cannot be reset' } }`.
   * A call on a guest of that type throws UNSUPPORTED, as for a capability missing altogether.
   */
  readonly unsupportedByGuestType?: Readonly<
    Partial<Record<GuestType, Readonly<Partial<Record<GuestCapabilityName, string>>>>>
  >;
}

/** The name of a capability as {@link hasCapability} takes it: a boolean key or a nested one (`clone.linked`). */
export type CapabilityName =
  | 'create'
  | 'update'
  | 'snapshots'
  | 'memorySnapshots'
  | 'suspend'
  | 'reset'
  | 'metrics'
  | 'cancelOperation'
  | 'clone.full'
  | 'clone.linked'
  | 'migration.offline'
  | 'migration.live'
  | `guestTypes.${GuestType}`
  | `console.${ConsoleProtocol}`
  | `inventory.${keyof NonNullable<Capabilities['inventory']>}`
  | `sources.${keyof NonNullable<Capabilities['sources']>}`
  | 'bootOrder'
  | 'templates'
  | `disks.${keyof NonNullable<Capabilities['disks']>}`
  | `nics.${keyof NonNullable<Capabilities['nics']>}`
  | `cloudInit.${keyof NonNullable<Capabilities['cloudInit']>}`
  | 'guestConfig'
  | `guestAddresses.${AddressSource}`
  | `consoleStream.${ConsoleProtocol}`
  | 'watch'
  | 'operationList';

/**
 * The capability groups added to v1 after its first release: optional members of {@link Capabilities}, missing when
 * absent. A connector written against an earlier v1 lacks them, and that is no defect.
 */
export const OPTIONAL_CAPABILITY_GROUPS = [
  'inventory',
  'sources',
  'bootOrder',
  'templates',
  'disks',
  'nics',
  'cloudInit',
  'guestConfig',
  'guestAddresses',
  'consoleStream',
  'watch',
  'operationList',
] as const satisfies readonly (keyof Capabilities)[];

/** The capabilities that apply to one guest: those a guest type can lack (see `unsupportedByGuestType`). */
export type GuestCapabilityName = Exclude<
  CapabilityName,
  'create' | 'cancelOperation' | `guestTypes.${GuestType}` | `inventory.${string}` | 'watch' | 'operationList'
>;

/**
 * Whether `capabilities` has the named capability; with `guestType`, whether it has it for guests of that type
 * too.
 */
export function hasCapability(
  capabilities: Capabilities,
  name: CapabilityName,
  guestType?: GuestType,
): boolean {
  if (
    guestType !== undefined &&
    capabilities.unsupportedByGuestType?.[guestType]?.[name as GuestCapabilityName] !== undefined
  ) {
    return false;
  }
  const [head, tail] = name.split('.') as [string, string | undefined];
  if (tail === undefined) return (capabilities as unknown as Record<string, unknown>)[head] === true;
  const group = (capabilities as unknown as Record<string, unknown>)[head];
  if (Array.isArray(group)) return (group as readonly string[]).includes(tail);
  return (group as Record<string, unknown> | undefined)?.[tail] === true;
}

/**
 * Every capability `capabilities` has, by the name {@link hasCapability} takes (`create`, `clone.linked`,
 * `console.vnc`, `sources.image`, `guestAddresses.agent`, `watch`...), in the order of its groups: the whole set as
 * plain strings, for readers that know names but not the groups (a wire format, a log line).
 */
export function capabilityNamesOf(capabilities: Capabilities): CapabilityName[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(capabilities)) {
    if (key === 'notes' || key === 'unsupportedByGuestType') continue;
    if (value === true) names.push(key);
    else if (Array.isArray(value))
      for (const item of value as readonly string[]) names.push(`${key}.${item}`);
    else if (typeof value === 'object' && value !== null) {
      for (const [member, on] of Object.entries(value)) if (on === true) names.push(`${key}.${member}`);
    }
  }
  return names as CapabilityName[];
}

/** Every capability on: a starting point for connectors that support the whole contract. */
export const FULL_CAPABILITIES: Capabilities = Object.freeze({
  guestTypes: ['vm', 'container'],
  create: true,
  update: true,
  clone: { full: true, linked: true },
  snapshots: true,
  memorySnapshots: true,
  migration: { offline: true, live: true },
  suspend: true,
  reset: true,
  console: ['vnc', 'spice', 'terminal'],
  metrics: true,
  cancelOperation: true,
  inventory: { storages: true, networks: true, images: true },
  sources: { template: true, image: true, iso: true },
  bootOrder: true,
  templates: true,
  disks: { add: true, remove: true, resize: true, resizeRunning: true },
  nics: { add: true, remove: true },
  cloudInit: { config: true, hostname: true, userData: true, userDataVolume: true },
  guestConfig: true,
  guestAddresses: ['agent', 'lease', 'arp', 'host'],
  consoleStream: ['vnc', 'spice', 'terminal'],
  watch: true,
  operationList: true,
}) as Capabilities;

/**
 * Every optional capability group (see {@link OPTIONAL_CAPABILITY_GROUPS}) declared missing: what a connector spreads
 * over {@link FULL_CAPABILITIES} before it turns on the groups it implements, so that a group added to v1 later is
 * never claimed by accident.
 */
export const OPTIONAL_CAPABILITIES_MISSING = Object.freeze({
  inventory: { storages: false, networks: false, images: false },
  sources: { template: false, image: false, iso: false },
  bootOrder: false,
  templates: false,
  disks: { add: false, remove: false, resize: false, resizeRunning: false },
  nics: { add: false, remove: false },
  cloudInit: { config: false, hostname: false, userData: false, userDataVolume: false },
  guestConfig: false,
  guestAddresses: [],
  consoleStream: [],
  watch: false,
  operationList: false,
}) satisfies Required<Pick<Capabilities, (typeof OPTIONAL_CAPABILITY_GROUPS)[number]>>;
