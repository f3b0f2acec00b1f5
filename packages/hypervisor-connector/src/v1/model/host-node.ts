/** Whether a host node answers. */
export type HostNodeStatus = 'online' | 'offline' | 'unknown';

/** A physical (or nested) host that runs guests. */
export interface HostNode {
  /** The node's name, unique in its target. */
  readonly name: string;
  readonly status: HostNodeStatus;
  /** CPUs of the host, when known. */
  readonly cpus?: number;
  /** Memory of the host in bytes, when known. */
  readonly memoryBytes?: number;
  /** Current load, when known. */
  readonly usage?: {
    /** CPU load, 0..1. */
    readonly cpu?: number;
    readonly memoryBytes?: number;
    readonly uptimeSeconds?: number;
  };
  /** The hypervisor's own record. */
  readonly raw: Readonly<Record<string, unknown>>;
}
