import { ConflictError, type OperationType } from '@hvc/hypervisor-connector';

/**
 * Which guests an operation of this process is working on. libvirt serialises calls on one domain with a job lock
 * that waits up to 30 s and then fails obscurely; the connector answers a second change of a busy guest at once
 * with CONFLICT (retryable) instead, and shows the running operation as the guest's `lock`.
 */
export class GuestLocks {
  readonly #held = new Map<string, OperationType>();

  /** The operation that holds guest `uuid`, if one does. */
  holder(uuid: string): OperationType | undefined {
    return this.#held.get(uuid);
  }

  /** Throws CONFLICT when an operation of this process holds any of the guests. */
  assertFree(...uuids: readonly string[]): void {
    for (const uuid of uuids) {
      const holder = this.#held.get(uuid);
      if (holder !== undefined) {
        throw new ConflictError(`guest ${uuid} is busy: a ${holder} operation of this connector is running`, {
          retryable: true,
          details: { guestId: uuid, lock: holder },
        });
      }
    }
  }

  /** Takes the guests for an operation (CONFLICT when one is held); returns the function that frees them. */
  acquire(type: OperationType, uuids: readonly string[]): () => void {
    this.assertFree(...uuids);
    for (const uuid of uuids) this.#held.set(uuid, type);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const uuid of uuids) if (this.#held.get(uuid) === type) this.#held.delete(uuid);
    };
  }
}
