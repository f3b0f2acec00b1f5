import type { FleetGuest } from '../responder/guest-fleet.js';

/** The calls the benchmark compares, as each client makes them. */
export interface BenchClient {
  /** A short label for tables. */
  readonly label: string;
  /** Reads one guest and consumes the answer. */
  getGuest(guest: FleetGuest): Promise<unknown>;
  /** Lists every guest of the cluster and consumes the answer. */
  listGuests(): Promise<unknown>;
  /** Releases sockets. */
  close(): Promise<void>;
}
