import { abandonable } from '@hvc/hypervisor-connector-kit';

/** Reads what a batch needs about some guests of one key (a node, a node's guest type): a value per VMID. */
export type BatchRead<T> = (key: string, vmids: readonly number[]) => Promise<ReadonlyMap<number, T>>;

interface Batch<T> {
  readonly vmids: Set<number>;
  readonly result: Promise<ReadonlyMap<number, T>>;
}

interface KeyState<T> {
  /** The read in flight (settled either way), if any. */
  current: Promise<unknown> | undefined;
  /** The batch that callers join: it starts once `current` has ended. */
  next: Batch<T> | undefined;
}

/**
 * Coalesces the reads that concurrent calls make about guests sharing a key (their node): a call that finds a read
 * for its key in flight joins the next one, which starts as soon as that read ends and serves every call that
 * joined it. Each answer is read after its call began (never a stale one), and 1,000 concurrent calls on 32 nodes
 * make a few dozen reads instead of 1,000; a call alone makes its own read as before. A failed read fails every
 * call of its batch. A caller's signal abandons its own wait, not the shared read.
 */
export class NodeReadBatcher<T> {
  readonly #read: BatchRead<T>;
  readonly #keys = new Map<string, KeyState<T>>();

  constructor(read: BatchRead<T>) {
    this.#read = read;
  }

  /** The value read for `vmid` under `key`, `undefined` when the read had none for it. */
  async get(key: string, vmid: number, signal?: AbortSignal): Promise<T | undefined> {
    let state = this.#keys.get(key);
    if (!state) {
      state = { current: undefined, next: undefined };
      this.#keys.set(key, state);
    }
    let batch = state.next;
    if (batch === undefined) {
      const vmids = new Set<number>();
      batch = { vmids, result: this.#run(key, state, vmids) };
      state.next = batch;
    }
    batch.vmids.add(vmid);
    return (await abandonable(batch.result, signal)).get(vmid);
  }

  async #run(key: string, state: KeyState<T>, vmids: ReadonlySet<number>): Promise<ReadonlyMap<number, T>> {
    // Callers join until the read in flight has ended (or, with none, until the callers of this tick have come).
    await state.current;
    state.next = undefined;
    const read = this.#read(key, [...vmids]);
    const settled = read.catch(() => undefined);
    state.current = settled;
    try {
      return await read;
    } finally {
      if (state.current === settled) state.current = undefined;
      if (state.current === undefined && state.next === undefined) this.#keys.delete(key);
    }
  }
}
