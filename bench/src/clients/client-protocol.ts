import type { HeapMeasurement } from '../load/heap-peak.js';
import type { LoadResult, LoadShape } from '../load/load-runner.js';
import type { FleetGuest } from '../responder/guest-fleet.js';
import type { BenchTarget } from '../responder/responder-process.js';

/** The JS clients the bench runs, each in a process of its own. */
export type ClientKind = 'hvc' | 'raw undici' | 'proxmox-api';

/** A call measured in a closed loop; `getGuest` cycles over `guests`. */
export type ClientCall =
  | { readonly call: 'listGuests' }
  | { readonly call: 'getGuest'; readonly guests: readonly FleetGuest[] };

/** How the fleet is listed: the cluster-wide call, or `/nodes` then every node's `qemu` and `lxc`. */
export type Listing = 'one call' | 'per node';

/** A request from the parent to a client process; `start` is sent once, first, over IPC (never on the command line). */
export type ClientCommand = { readonly id: number } & (
  | {
      readonly cmd: 'start';
      readonly kind: ClientKind;
      readonly target: BenchTarget;
      readonly sockets: number;
    }
  | { readonly cmd: 'run'; readonly call: ClientCall; readonly shape: LoadShape }
  | { readonly cmd: 'list'; readonly listing: Listing }
  | { readonly cmd: 'close' }
);

/** A client process's answer to the command with the same `id`; `error` when it failed. */
export interface ClientReply {
  readonly id: number;
  readonly error?: string;
  readonly result?: LoadResult;
  readonly listed?: { readonly measurement: HeapMeasurement; readonly guests: number };
}
