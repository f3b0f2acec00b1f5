import type { Guest, GuestFilter } from '@hvc/hypervisor-connector';
import { SingleFlight } from '@hvc/hypervisor-connector-kit';

/**
 * Concurrent `listGuests` calls of one connector (one target, one credential) with the same filter share one
 * listing: the first starts it, the others join it while it is in flight, and each gets its own array of the same
 * (read-only) guests. A listing is joined only while no write of this connector was sent or settled since it
 * started (`writeEpoch`), so a caller that lists after its own write never gets an answer read before it.
 */
export class SharedGuestListings {
  readonly #flights = new SingleFlight<string, readonly Guest[]>();
  readonly #writeEpoch: () => number;

  /** `writeEpoch` changes whenever a write is sent or settles. */
  constructor(writeEpoch: () => number) {
    this.#writeEpoch = writeEpoch;
  }

  /**
   * The guests `list` finds for `filter`, shared with the callers that ask meanwhile. A caller's `signal` abandons
   * its own wait; `list` is aborted only when every caller has given up.
   */
  async run(
    filter: GuestFilter,
    list: (signal: AbortSignal) => Promise<readonly Guest[]>,
    signal?: AbortSignal,
  ): Promise<Guest[]> {
    const key = `${this.#writeEpoch()} ${JSON.stringify(filter)}`;
    const guests = await this.#flights.run(key, list, signal);
    return guests.slice();
  }
}
