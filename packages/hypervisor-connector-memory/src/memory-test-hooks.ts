import {
  GUEST_STATES,
  type Guest,
  GuestIdSchema,
  type GuestState,
  OPERATION_TYPES,
  type Operation,
  type OperationType,
  parseInput,
} from '@hvc/hypervisor-connector';
import { z } from 'zod';
import { toGuest } from './guest-record.js';
import type { MemoryContext } from './memory-context.js';

/** Test hooks of a memory connector: read its whole state at once and change it from "outside". */
export interface MemoryConnectorState {
  /** Every guest, by ascending number, as `listGuests` returns them (copies). Works after `close()`. */
  guests(): Guest[];
  /** Every operation the connector started, oldest first (copies). Works after `close()`. */
  operations(): Operation[];
  /** The operations still running. */
  runningOperations(): Operation[];
  /**
   * Sets a guest's power state as if something outside the connector had changed it (a crash, the hypervisor's
   * own UI). NOT_FOUND for an unknown guest.
   */
  setGuestState(guestId: string, state: GuestState): void;
  /**
   * Makes the next operation of `type` fail with OPERATION_FAILED and `message` (default `injected failure`); with
   * `guestId`, only an operation on that guest (for create and clone, the new guest). Each call fails one
   * operation, before `failOperations` is asked.
   */
  failNext(type: OperationType, options?: { readonly guestId?: string; readonly message?: string }): void;
  /** Whether `close()` was called. */
  readonly closed: boolean;
}

/** The test hooks over one connector's state; `isClosed` tells whether the connector was closed. */
export function createTestHooks(context: MemoryContext, isClosed: () => boolean): MemoryConnectorState {
  const { state, runner, clock, origin } = context;
  return {
    guests: () => state.list().map((record) => toGuest(record, clock.now())),
    operations: () => runner.all(),
    runningOperations: () => runner.all().filter((operation) => operation.status === 'running'),
    setGuestState(guestId, next) {
      const guest = state.guest(parseInput(GuestIdSchema, guestId, 'guest id'), origin);
      guest.state = parseInput(z.enum(GUEST_STATES), next, 'guest state');
      if (next === 'running' || next === 'paused') guest.runningSinceMs ??= clock.now();
      else delete guest.runningSinceMs;
    },
    failNext(type, options = {}) {
      runner.injectFailure(
        parseInput(z.enum(OPERATION_TYPES), type, 'operation type'),
        options.guestId === undefined ? undefined : parseInput(GuestIdSchema, options.guestId, 'guest id'),
        options.message ?? 'injected failure',
      );
    },
    get closed() {
      return isClosed();
    },
  };
}
