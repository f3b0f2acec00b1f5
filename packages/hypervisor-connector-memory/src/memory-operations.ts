import {
  type ErrorCode,
  type Operation,
  type OperationStatus,
  type OperationType,
  toHypervisorError,
} from '@hvc/hypervisor-connector';
import { type Clock, type OperationHandle, OperationRecords } from '@hvc/hypervisor-connector-kit';
import type { GuestRecord } from './guest-record.js';
import type { FailOperationsHook } from './memory-config.js';

/** A lock an operation holds on a guest while it runs. */
export interface OperationLock {
  readonly guest: GuestRecord;
  /** The lock's name as `guest.lock` shows it, e.g. `create`, `migrate`, `snapshot`. */
  readonly name: string;
}

/** What an operation does, in three steps: begin at once, apply on success, abandon on failure or cancel. */
export interface OperationPlan {
  readonly type: OperationType;
  /** The guest acted on; for create and clone the new guest. */
  readonly guestId?: string;
  /** What the operation makes inside the guest: the slot of an added disk or NIC. */
  readonly resourceId?: string;
  /** The node the operation runs on. */
  readonly node?: string;
  /** Runs when the operation starts, before its locks are taken (e.g. adds the guest being created). */
  readonly begin?: () => void;
  /** Locks held while the operation runs; they are taken after `begin` and released when it ends. */
  readonly locks: () => readonly OperationLock[];
  /** Makes the change when the operation succeeds. */
  readonly apply: () => void;
  /** Undoes what `begin` did when the operation fails or is cancelled. */
  readonly abandon?: () => void;
}

/** The settings an {@link OperationRunner} works with. */
export interface OperationRunnerOptions {
  readonly clock: Clock;
  /** How long each operation runs. */
  readonly durationMs: number;
  readonly failOperations?: FailOperationsHook;
  readonly target?: string;
}

interface RunningOperation {
  readonly handle: OperationHandle;
  plan?: OperationPlan;
  locks: readonly OperationLock[];
  timers: unknown[];
}

/**
 * Runs the memory connector's operations: each holds its locks for the configured duration, reports progress half
 * way, then succeeds or fails (as `failOperations` decides) or is cancelled. Ids are `memory:op:<n>`; the records
 * themselves (status, listeners) are the kit's {@link OperationRecords}.
 */
export class OperationRunner {
  private readonly records: OperationRecords;
  private readonly running = new Map<string, RunningOperation>();
  private isClosed = false;
  private readonly injected: Array<{ type: OperationType; guestId?: string; message: string }> = [];

  constructor(private readonly options: OperationRunnerOptions) {
    this.records = new OperationRecords({
      idPrefix: 'memory:op:',
      clock: options.clock,
      keepEnded: Number.POSITIVE_INFINITY,
    });
  }

  /**
   * Starts an operation and returns a copy of it. Decides first whether it will fail (an injected failure, else
   * `failOperations`): when the hook throws, that error (as a contract error) is thrown and nothing changes.
   */
  start(plan: OperationPlan): Operation {
    const { clock, durationMs } = this.options;
    const failure = this.failureOf(plan);
    plan.begin?.();
    const locks = plan.locks();
    for (const lock of locks) lock.guest.lock = lock.name;

    const handle = this.records.begin({
      type: plan.type,
      ...(plan.guestId === undefined ? {} : { guestId: plan.guestId }),
      ...(plan.resourceId === undefined ? {} : { resourceId: plan.resourceId }),
      progress: 0,
      raw: {
        type: plan.type,
        ...(plan.guestId === undefined ? {} : { guestId: plan.guestId }),
        ...(plan.node === undefined ? {} : { node: plan.node }),
        locks: locks.map((lock) => ({ guestId: lock.guest.id, lock: lock.name })),
        durationMs,
      },
    });
    const entry: RunningOperation = { handle, plan, locks, timers: [] };
    this.running.set(handle.id, entry);

    if (durationMs >= 2) {
      entry.timers.push(clock.setTimeout(() => handle.progress(0.5), Math.floor(durationMs / 2)));
    }
    entry.timers.push(
      clock.setTimeout(() => {
        if (failure === undefined) this.end(entry, 'succeeded');
        else this.end(entry, 'failed', { code: 'OPERATION_FAILED', message: failure });
      }, durationMs),
    );
    return handle.snapshot();
  }

  /**
   * Makes the next operation of `type` (on `guestId`, when given) fail with `message`. Injected failures are used
   * once each, in the order given, before `failOperations` is asked.
   */
  injectFailure(type: OperationType, guestId: string | undefined, message: string): void {
    this.injected.push({ type, ...(guestId === undefined ? {} : { guestId }), message });
  }

  /** A copy of the operation, or `undefined` for an id this runner never issued. */
  get(operationId: string): Operation | undefined {
    return this.records.get(operationId);
  }

  /** Copies of every operation, oldest first. */
  all(): Operation[] {
    return this.records.all();
  }

  /**
   * Cancels a running operation: its change is not applied and its locks are released. An ended operation is
   * returned unchanged. `undefined` for an unknown id.
   */
  cancel(operationId: string): Operation | undefined {
    const entry = this.running.get(operationId);
    if (entry !== undefined) {
      this.end(entry, 'cancelled', { code: 'CANCELLED', message: 'the operation was cancelled' });
    }
    return this.records.get(operationId);
  }

  /** Calls `listener` after every change of the operation. Returns the unsubscribe function. */
  subscribe(operationId: string, listener: () => void): () => void {
    return this.records.subscribe(operationId, listener);
  }

  /** Whether {@link OperationRunner.close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Stops every timer (running operations stay `running` for good) and wakes every listener once so waiters can
   * see {@link OperationRunner.closed}.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const entry of this.running.values()) {
      for (const timer of entry.timers) this.options.clock.clearTimeout(timer);
      entry.timers = [];
    }
    this.records.notifyAll();
  }

  /** The message the operation is to fail with, or `undefined` to let it succeed. */
  private failureOf(plan: OperationPlan): string | undefined {
    const index = this.injected.findIndex(
      (failure) =>
        failure.type === plan.type && (failure.guestId === undefined || failure.guestId === plan.guestId),
    );
    if (index >= 0) return this.injected.splice(index, 1)[0]!.message;
    try {
      return this.options.failOperations?.({
        type: plan.type,
        ...(plan.guestId === undefined ? {} : { guestId: plan.guestId }),
      });
    } catch (error) {
      throw toHypervisorError(error, this.options.target);
    }
  }

  private end(
    entry: RunningOperation,
    status: Exclude<OperationStatus, 'running'>,
    error?: { code: ErrorCode; message: string },
  ): void {
    const { handle, plan } = entry;
    this.running.delete(handle.id);
    for (const timer of entry.timers) this.options.clock.clearTimeout(timer);
    entry.timers = [];
    for (const lock of entry.locks) {
      if (lock.guest.lock === lock.name) delete lock.guest.lock;
    }
    entry.locks = [];
    delete entry.plan;
    if (status === 'succeeded') {
      plan?.apply();
      handle.succeed();
    } else {
      plan?.abandon?.();
      if (status === 'cancelled') handle.cancel(error?.message);
      else handle.fail(error ?? { code: 'OPERATION_FAILED', message: 'the operation failed' });
    }
  }
}
