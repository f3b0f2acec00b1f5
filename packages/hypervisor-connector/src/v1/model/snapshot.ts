/** A named point-in-time state of a guest. */
export interface Snapshot {
  /** The snapshot's name, unique per guest. */
  readonly name: string;
  readonly description?: string;
  /** When it was taken, ISO 8601, when the hypervisor says. */
  readonly createdAt?: string;
  /** The snapshot this one was taken on top of. */
  readonly parent?: string;
  /** Whether the guest's memory (running state) is included. */
  readonly includesMemory: boolean;
  /** The hypervisor's own record. */
  readonly raw: Readonly<Record<string, unknown>>;
}
