import type { ErrorCode, Operation, OperationType } from '@hvc/hypervisor-connector';
import { type Clock, systemClock } from '../clock/clock.js';

type MutableOperation = { -readonly [K in keyof Operation]: Operation[K] };

/** What an operation starts with. */
export interface OperationStart {
  readonly type: OperationType;
  readonly guestId?: string;
  /** What the operation makes inside the guest (the slot of an added disk or NIC), known when it starts. */
  readonly resourceId?: string;
  /** Completion to start from, 0..1, when the work reports progress. */
  readonly progress?: number;
  /** The hypervisor's record of the work, if any. */
  readonly raw?: Readonly<Record<string, unknown>>;
}

/** The running side of one operation: its owner reports progress and the end through it. */
export interface OperationHandle {
  readonly id: string;
  /** Whether the operation has ended. */
  readonly ended: boolean;
  /** A copy of the operation as it is now. */
  snapshot(): Operation;
  /** Completion, 0..1 (ignored once ended). */
  progress(value: number): void;
  succeed(warnings?: readonly string[]): void;
  fail(error: { readonly code: ErrorCode; readonly message: string }): void;
  cancel(message?: string): void;
}

/** Settings of {@link OperationRecords}. */
export interface OperationRecordsOptions {
  /** Operation ids are `<prefix><n>`. */
  readonly idPrefix: string;
  readonly clock?: Clock;
  /** How many ended operations are kept for `get`; the oldest go first. Default 1,000; `Infinity` keeps all. */
  readonly keepEnded?: number;
}

/**
 * The state of operations that run in this process (a connector whose hypervisor calls are synchronous, or a
 * simulated one): ids, status, progress, warnings and errors, change listeners for waits, and a bounded memory of
 * ended operations. What runs the work is up to the owner of each {@link OperationHandle}.
 */
export class OperationRecords {
  readonly #options: OperationRecordsOptions;
  readonly #clock: Clock;
  readonly #records = new Map<string, MutableOperation>();
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #ended: string[] = [];
  #next = 1;

  constructor(options: OperationRecordsOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts recording a running operation. */
  begin(start: OperationStart): OperationHandle {
    const id = `${this.#options.idPrefix}${this.#next++}`;
    const record: MutableOperation = {
      id,
      type: start.type,
      ...(start.guestId === undefined ? {} : { guestId: start.guestId }),
      ...(start.resourceId === undefined ? {} : { resourceId: start.resourceId }),
      status: 'running',
      startedAt: new Date(this.#clock.now()).toISOString(),
      ...(start.progress === undefined ? {} : { progress: start.progress }),
      ...(start.raw === undefined ? {} : { raw: start.raw }),
    };
    this.#records.set(id, record);
    const end = (changes: Partial<MutableOperation>) => {
      if (record.status !== 'running') return;
      Object.assign(record, changes, { endedAt: new Date(this.#clock.now()).toISOString() });
      this.#remember(id);
      this.#notify(id);
    };
    return {
      id,
      get ended() {
        return record.status !== 'running';
      },
      snapshot: () => structuredClone(record),
      progress: (value) => {
        if (record.status !== 'running' || record.progress === value) return;
        record.progress = Math.min(1, Math.max(0, value));
        this.#notify(id);
      },
      succeed: (warnings) =>
        end({ status: 'succeeded', progress: 1, ...(warnings?.length ? { warnings: [...warnings] } : {}) }),
      fail: (error) => end({ status: 'failed', error: { code: error.code, message: error.message } }),
      cancel: (message = 'the operation was cancelled') =>
        end({ status: 'cancelled', error: { code: 'CANCELLED', message } }),
    };
  }

  /** A copy of the operation, or `undefined` for an id this process does not know (or no longer remembers). */
  get(id: string): Operation | undefined {
    const record = this.#records.get(id);
    return record === undefined ? undefined : structuredClone(record);
  }

  /** Copies of every operation remembered, oldest first. */
  all(): Operation[] {
    return [...this.#records.values()].map((record) => structuredClone(record));
  }

  /** Calls `listener` after each change of the operation; returns the function that stops it. */
  subscribe(id: string, listener: () => void): () => void {
    let set = this.#listeners.get(id);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  /** Wakes every listener, e.g. when the owner closes and waits must notice. */
  notifyAll(): void {
    for (const id of [...this.#listeners.keys()]) this.#notify(id);
  }

  #notify(id: string): void {
    for (const listener of [...(this.#listeners.get(id) ?? [])]) listener();
  }

  #remember(id: string): void {
    this.#ended.push(id);
    const keep = this.#options.keepEnded ?? 1_000;
    while (this.#ended.length > keep) {
      const old = this.#ended.shift();
      if (old !== undefined) this.#records.delete(old);
    }
  }
}
