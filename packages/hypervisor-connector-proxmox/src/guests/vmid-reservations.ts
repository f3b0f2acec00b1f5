/** How long an id stays held after its create or clone was accepted: until PVE's worker has written its config. */
const HOLD_MS = 60_000;

/**
 * The VMIDs this connector has just proposed to PVE. `/cluster/nextid` reserves nothing, and a QEMU clone claims its
 * id only when its worker writes the temporary config (qemu-server `clone_vm`), so two creates or clones sent at once
 * are offered the same id and the later one fails inside its task. Ids held here are skipped by the next
 * allocation of this connector.
 */
export class VmidReservations {
  readonly #held = new Map<number, number>();

  /** Whether `vmid` is held (and drops holds that have run out). */
  isHeld(vmid: number, now = Date.now()): boolean {
    for (const [id, until] of this.#held) if (until <= now) this.#held.delete(id);
    return this.#held.has(vmid);
  }

  /** Holds `vmid` for a while. */
  hold(vmid: number, now = Date.now()): void {
    this.#held.set(vmid, now + HOLD_MS);
  }

  /** Releases `vmid` (its create was refused: nothing claimed it). */
  release(vmid: number): void {
    this.#held.delete(vmid);
  }
}
