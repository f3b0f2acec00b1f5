/** The kinds of guest the contract knows: full virtual machines and OS containers. */
export const GUEST_TYPES = ['vm', 'container'] as const;

/** A kind of guest. */
export type GuestType = (typeof GUEST_TYPES)[number];

/**
 * The normalised power state of a guest. A connector maps its hypervisor's states onto these and keeps the
 * original values in {@link Guest.raw}; `unknown` is used when the hypervisor's state is not one of them.
 */
export const GUEST_STATES = ['running', 'stopped', 'paused', 'suspended', 'unknown'] as const;

/** One of {@link GUEST_STATES}. */
export type GuestState = (typeof GUEST_STATES)[number];

/** What a guest is given: virtual CPUs, memory and disk. */
export interface GuestResources {
  /** Virtual CPUs. */
  readonly cpus: number;
  /** Configured memory in bytes. */
  readonly memoryBytes: number;
  /** Total configured disk in bytes, when known. */
  readonly diskBytes?: number;
}

/** What a running guest is using right now; absent fields are unknown. */
export interface GuestUsage {
  /** CPU load, 0..1 of the guest's CPUs. */
  readonly cpu?: number;
  readonly memoryBytes?: number;
  readonly diskBytes?: number;
  readonly uptimeSeconds?: number;
  readonly netInBytes?: number;
  readonly netOutBytes?: number;
}

/** A virtual machine or container, normalised across hypervisors. */
export interface Guest {
  /** The connector's stable id, e.g. `qemu/100` for Proxmox. Independent of the node the guest is on. */
  readonly id: string;
  readonly type: GuestType;
  readonly name: string;
  /** The host node the guest lives on. */
  readonly node: string;
  readonly state: GuestState;
  /** Whether the guest is a template (cloned from, never started). */
  readonly template: boolean;
  /** The hypervisor's lock on the guest while an operation holds it (`clone`, `migrate`, `snapshot`, ...). */
  readonly lock?: string;
  readonly tags: readonly string[];
  /** The resource pool the guest belongs to, when the hypervisor has pools. */
  readonly pool?: string;
  readonly resources: GuestResources;
  readonly usage?: GuestUsage;
  /** The hypervisor's own record, untouched: the escape hatch for what the model does not cover. */
  readonly raw: Readonly<Record<string, unknown>>;
}
