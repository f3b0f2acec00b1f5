import { randomBytes } from 'node:crypto';
import {
  CancelledError,
  ConflictError,
  isHypervisorError,
  NotFoundError,
  type Operation,
  type OperationType,
  TimeoutError,
  toHypervisorError,
  UnavailableError,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { type OperationHandle, OperationRecords, OperationWaiter } from '@hvc/hypervisor-connector-kit';
import type { DomainEventHub } from '../hosts/domain-event-hub.js';
import { type DerivationContext, deriveOperation } from './derived-status.js';
import type { GuestLocks } from './guest-locks.js';
import { decodeOperationId, encodeOperationId, type OperationRef } from './operation-id.js';

/** What the work of an operation is given. */
export interface OperationRun {
  /** Fires when `cancelOperation` asks the operation to stop (only for cancellable ones). */
  readonly cancel: AbortSignal;
  /** Fires when the connector closes: stop waiting, undo nothing. Pass it to every call the work makes. */
  readonly closing: AbortSignal;
  /** Reports completion, 0..1. */
  progress(value: number): void;
}

/** One operation to start. */
export interface OperationPlan {
  readonly type: OperationType;
  /** The node it runs on (for a migration, the source). */
  readonly node: string;
  /** The guest (for create and clone, the new guest's UUID). */
  readonly uuid: string;
  /** The id's argument (see `OperationRef.arg`). */
  readonly arg?: string;
  /** What it makes inside the guest: the slot of an added disk or NIC. */
  readonly resourceId?: string;
  /** The guests it holds while it runs; `[uuid]` by default. */
  readonly holds?: readonly string[];
  /** Whether `cancelOperation` may stop it (the work must then honour `run.cancel`). */
  readonly cancellable?: boolean;
  /** libvirt's record of the work, for `raw`. */
  readonly raw?: Readonly<Record<string, unknown>>;
  /** The work; resolves with warnings, or nothing. A CANCELLED error after a cancel request ends it cancelled. */
  work(run: OperationRun): Promise<readonly string[] | undefined>;
}

interface RunningOperation {
  readonly cancellable: boolean;
  readonly cancel: AbortController;
}

/** What operations need from the rest of the connector. */
export interface OperationsOptions extends DerivationContext {
  readonly locks: GuestLocks;
  readonly events: DomainEventHub;
  readonly pollMs: number;
  readonly maxPollMs: number;
  readonly keepEnded: number;
  readonly target?: string;
  /** Cancels a migration another process started (DOMAIN_ABORT_JOB on its source). */
  abortMigration(ref: OperationRef, signal?: AbortSignal): Promise<void>;
}

/**
 * The operations of one connector. Every write runs as an operation: started at once with {@link begin}, its work
 * in the background, its state in the kit's `OperationRecords` (exact, for this process), its id carrying what any
 * other connector of the target needs to judge it from libvirt's state ({@link deriveOperation}). Waits run on the
 * kit's `OperationWaiter`, woken by the record's changes and by the guest's domain events, polling as a fallback.
 */
export class LibvirtOperations {
  readonly #options: OperationsOptions;
  readonly #records: OperationRecords;
  readonly #waiter: OperationWaiter;
  readonly #running = new Map<string, RunningOperation>();
  /** The public id of each record this process remembers, by record id. */
  readonly #publicIds = new Map<string, string>();
  readonly #closing = new AbortController();

  constructor(options: OperationsOptions) {
    this.#options = options;
    // A nonce per connector instance: another instance's record ids never match this one's.
    const nonce = randomBytes(5).readUIntBE(0, 5).toString(36);
    this.#records = new OperationRecords({ idPrefix: `${nonce}-`, keepEnded: options.keepEnded });
    this.#waiter = new OperationWaiter({
      schedule: { initialMs: options.pollMs, factor: 1.5, maxMs: options.maxPollMs, jitter: 0.1 },
      ...(options.target === undefined ? {} : { target: options.target }),
    });
  }

  /** Starts an operation (CONFLICT when one of its guests is held) and returns it at once, running. */
  begin(plan: OperationPlan): Operation {
    const release = this.#options.locks.acquire(plan.type, plan.holds ?? [plan.uuid]);
    const handle = this.#records.begin({
      type: plan.type,
      guestId: plan.uuid,
      ...(plan.resourceId === undefined ? {} : { resourceId: plan.resourceId }),
      ...(plan.raw === undefined ? {} : { raw: plan.raw }),
    });
    const startedAt = Date.parse(handle.snapshot().startedAt);
    const id = encodeOperationId({
      type: plan.type,
      node: plan.node,
      uuid: plan.uuid,
      startedAt,
      arg: plan.arg ?? '',
      recordId: handle.id,
    });
    const entry: RunningOperation = { cancellable: plan.cancellable === true, cancel: new AbortController() };
    this.#running.set(handle.id, entry);
    this.#publicIds.set(handle.id, id);
    if (this.#publicIds.size > 2 * this.#options.keepEnded + this.#running.size) this.#forgetEnded();
    const run: OperationRun = {
      cancel: entry.cancel.signal,
      closing: this.#closing.signal,
      progress: (value) => handle.progress(value),
    };
    void this.#execute(plan, run, handle).finally(() => {
      this.#running.delete(handle.id);
      release();
    });
    return { ...handle.snapshot(), id };
  }

  async #execute(plan: OperationPlan, run: OperationRun, handle: OperationHandle): Promise<void> {
    try {
      const warnings = await plan.work(run);
      handle.succeed(warnings);
    } catch (error) {
      // CANCELLED is a cancel asked here, or libvirt's job aborted from elsewhere (OPERATION_ABORTED).
      const failure = toHypervisorError(error, this.#options.target);
      if (failure.code === 'CANCELLED') handle.cancel(failure.message);
      else handle.fail({ code: failure.code, message: failure.message });
    }
  }

  /** The operation as it is now: this process's record, else judged from libvirt. NOT_FOUND for a foreign id. */
  async read(id: string, signal?: AbortSignal): Promise<Operation> {
    if (this.#closing.signal.aborted)
      throw new UnavailableError('the connector is closed', { retryable: false });
    const ref = this.#ref(id);
    const local = this.#records.get(ref.recordId);
    if (local !== undefined) return { ...local, id };
    return deriveOperation(ref, this.#options, signal);
  }

  /**
   * The operations this process started and still remembers (every running one, the last `keepEnded` ended ones), with
   * their public ids, oldest first. Operations of other processes are not known here: libvirt keeps no task list.
   */
  list(): Operation[] {
    if (this.#closing.signal.aborted)
      throw new UnavailableError('the connector is closed', { retryable: false });
    this.#forgetEnded();
    return this.#records.all().flatMap((record) => {
      const id = this.#publicIds.get(record.id);
      return id === undefined ? [] : [{ ...record, id }];
    });
  }

  /** Drops the public ids of records the kit's records have forgotten. */
  #forgetEnded(): void {
    for (const recordId of this.#publicIds.keys()) {
      if (this.#records.get(recordId) === undefined) this.#publicIds.delete(recordId);
    }
  }

  /** Waits for the operation (see the contract's `waitForOperation`). */
  wait(id: string, options: WaitOptions): Promise<Operation> {
    const ref = decodeOperationId(id);
    return this.#waiter.wait(
      id,
      {
        poll: (signal) => this.read(id, signal),
        subscribe: (onChange) => {
          if (ref === undefined) return () => {};
          const stopRecord = this.#records.subscribe(ref.recordId, onChange);
          const stopEvents = this.#options.events.subscribe(ref.uuid, onChange);
          return () => {
            stopRecord();
            stopEvents();
          };
        },
      },
      options,
    );
  }

  /**
   * Asks a running operation to stop and returns it as it is then (running while it winds down, or cancelled).
   * An ended one is returned unchanged. CONFLICT for one that cannot be cancelled.
   */
  async cancel(id: string, signal?: AbortSignal): Promise<Operation> {
    const ref = this.#ref(id);
    const local = this.#records.get(ref.recordId);
    if (local === undefined) return this.#cancelForeign(ref, signal);
    if (local.status !== 'running') return { ...local, id };
    const entry = this.#running.get(ref.recordId);
    if (entry === undefined || !entry.cancellable)
      throw notCancellable(ref, 'it ends on its own within seconds');
    entry.cancel.abort(new CancelledError(`operation ${id} was cancelled`));
    // Let the work notice at once when it can (a shutdown that stops waiting ends cancelled right away).
    await new Promise((resolve) => setImmediate(resolve));
    return this.read(id, signal);
  }

  async #cancelForeign(ref: OperationRef, signal?: AbortSignal): Promise<Operation> {
    const operation = await deriveOperation(ref, this.#options, signal);
    if (operation.status !== 'running') return operation;
    if (ref.type !== 'migrate') throw notCancellable(ref, 'only the process that started it can stop it');
    await this.#options.abortMigration(ref, signal);
    return deriveOperation(ref, this.#options, signal);
  }

  /**
   * Waits until `reached` says libvirt shows what the work waits for — on the kit's waiter, woken by the guest's
   * domain events and polling otherwise. `onPoll` runs before each check (a shutdown presses the button again from
   * there). TIMEOUT with `what` after `timeoutMs`; CANCELLED when `signal` fires.
   */
  async until(
    key: string,
    uuid: string,
    reached: (signal: AbortSignal) => Promise<boolean>,
    options: { readonly timeoutMs: number; readonly signal: AbortSignal; readonly what: string },
  ): Promise<void> {
    const startedAt = new Date().toISOString();
    try {
      await this.#waiter.wait(
        `${key}#until`,
        {
          poll: async (signal) => ({
            id: key,
            type: 'other',
            status: (await reached(signal)) ? 'succeeded' : 'running',
            startedAt,
          }),
          subscribe: (onChange) => this.#options.events.subscribe(uuid, onChange),
        },
        { timeoutMs: options.timeoutMs, signal: options.signal },
      );
    } catch (error) {
      if (isHypervisorError(error, 'TIMEOUT')) {
        throw new TimeoutError(`${options.what} within ${Math.round(options.timeoutMs / 1000)} s`, {
          ...(this.#options.target === undefined ? {} : { target: this.#options.target }),
        });
      }
      if (isHypervisorError(error, 'CANCELLED') && options.signal.reason !== undefined)
        throw options.signal.reason;
      throw error;
    }
  }

  /** Stops every wait (they fail with UNAVAILABLE) and tells running work to stop waiting. */
  close(): void {
    this.#closing.abort(new UnavailableError('the connector is closed', { retryable: false }));
    this.#records.notifyAll();
    this.#options.events.wakeAll();
  }

  #ref(id: string): OperationRef {
    const ref = decodeOperationId(id);
    if (ref === undefined) {
      throw new NotFoundError(`operation ${id} not found: not an operation of the libvirt connector`, {
        details: { operationId: id },
      });
    }
    return ref;
  }
}

function notCancellable(ref: OperationRef, why: string): ConflictError {
  return new ConflictError(`a ${ref.type} operation cannot be cancelled: ${why}`, {
    retryable: false,
    operationId: ref.id,
    details: { type: ref.type, reason: 'not-cancellable' },
  });
}
