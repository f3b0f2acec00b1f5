import { isHypervisorError } from '@hvc/hypervisor-connector';
import { abandonable } from '@hvc/hypervisor-connector-kit';
import { pveRecords } from '../schemas/pve-record.js';
import { taskListItemFields } from '../schemas/record-fields.js';
import { pvePath } from '../transport/form-encoding.js';
import type { PveClient } from '../transport/pve-client.js';

const ActiveTasksSchema = pveRecords(taskListItemFields, 'in-place');

// `limit` defaults to 50 (pve-manager `PVE/API2/Tasks.pm`): a node running more would hide the others' tasks.
const ACTIVE_TASKS = { source: 'active', limit: 10_000 } as const;

/** How often a node's list is read. */
export interface NodeTaskWatchTiming {
  /** A read this recent answers a poll; also the shortest pause between two timed reads. */
  readonly freshMs: number;
  /** The longest pause between two timed reads. */
  readonly maxIntervalMs: number;
}

/** One read of a node's active tasks: when it was sent, and the UPIDs it listed (`undefined` when it failed). */
interface ActiveRead {
  readonly sentAt: number;
  readonly upids: Promise<ReadonlySet<string> | undefined>;
}

/** A wait on one task of the node. */
interface Subscription {
  readonly upid: string;
  readonly since: number;
  readonly onEnd: () => void;
  notified: boolean;
}

/** The watch of one node while it has waits. */
interface NodeState {
  readonly subscriptions: Set<Subscription>;
  readonly controller: AbortController;
  latest?: ActiveRead;
  /** Resolved by the loop when it sends its next read. */
  nextRead?: Deferred<ActiveRead>;
  /** Ends the loop's pause at once: a poll needs a read. */
  wake?: () => void;
}

/**
 * The active tasks of the nodes where several task waits run, read once for all of them
 * (`GET /nodes/{node}/tasks?source=active`) instead of one status call per wait and poll. A poll learns from a
 * recent read that its task still runs; a task that a read sent after its wait began no longer lists is announced
 * once (`onEnd`), and its wait then reads the task's own status, which alone tells how it ended. A task a read does
 * not list (ended, or invisible to the credential) is always asked about itself, so the list only saves status
 * calls, it never decides an outcome. Timed reads come every `maxIntervalMs / waits` (within the timing's bounds), so
 * many waits on a node are each told of their end soon at the cost of one request per read; a node with a single
 * wait is not read at all (its poll asks the task). A node whose list the credential may not read is not watched
 * again.
 */
export class NodeTaskWatch {
  readonly #client: PveClient;
  readonly #timing: NodeTaskWatchTiming;
  readonly #nodes = new Map<string, NodeState>();
  readonly #refused = new Set<string>();

  constructor(client: PveClient, timing: NodeTaskWatchTiming) {
    this.#client = client;
    this.#timing = timing;
  }

  /** Watches `upid` on `node` until the returned function is called; `onEnd` as described above. */
  subscribe(node: string, upid: string, onEnd: () => void): () => void {
    if (this.#refused.has(node)) return () => undefined;
    let state = this.#nodes.get(node);
    if (state === undefined) {
      const created: NodeState = { subscriptions: new Set(), controller: new AbortController() };
      state = created;
      this.#nodes.set(node, created);
      void this.#run(node, created);
    }
    const subscription: Subscription = { upid, since: performance.now(), onEnd, notified: false };
    const watched = state;
    watched.subscriptions.add(subscription);
    // A second wait starts the timed reads.
    if (watched.subscriptions.size === 2) watched.wake?.();
    return () => {
      watched.subscriptions.delete(subscription);
      if (watched.subscriptions.size > 0) return;
      watched.controller.abort();
      watched.wake?.();
      if (this.#nodes.get(node) === watched) this.#nodes.delete(node);
    };
  }

  /**
   * Whether a read of the node's active tasks sent since `since` (a `performance.now()` time) lists `upid`: the
   * latest read when it is fresh, else one sent now. `false` when it does not list it, when the node has fewer than
   * two waits, or when the read failed: then only the task's own status can tell.
   */
  async isListed(node: string, upid: string, since: number, signal?: AbortSignal): Promise<boolean> {
    const state = this.#nodes.get(node);
    if (state === undefined || state.subscriptions.size < 2) return false;
    const latest = state.latest;
    let read: ActiveRead;
    if (
      latest !== undefined &&
      latest.sentAt >= since &&
      performance.now() - latest.sentAt < this.#timing.freshMs
    ) {
      read = latest;
    } else {
      state.nextRead ??= deferred<ActiveRead>();
      const next = state.nextRead.promise;
      state.wake?.();
      read = await abandonable(next, signal);
    }
    const upids = await abandonable(read.upids, signal);
    return upids?.has(upid) ?? false;
  }

  /** Reads the node's list on demand and on its timer while it has waits, announcing the tasks it no longer lists. */
  async #run(node: string, state: NodeState): Promise<void> {
    const { signal } = state.controller;
    for (;;) {
      await this.#pause(state);
      if (signal.aborted) break;
      const sentAt = performance.now();
      const upids = this.#read(node, signal);
      const read: ActiveRead = { sentAt, upids };
      state.latest = read;
      state.nextRead?.resolve(read);
      state.nextRead = undefined;
      const listed = await upids;
      if (signal.aborted || (listed === undefined && this.#refused.has(node))) break;
      if (listed === undefined) continue;
      for (const subscription of [...state.subscriptions]) {
        if (subscription.notified || subscription.since > sentAt || listed.has(subscription.upid)) continue;
        subscription.notified = true;
        subscription.onEnd();
      }
    }
    // No read will come: whoever waits for one asks the task itself.
    state.nextRead?.resolve({ sentAt: performance.now(), upids: Promise.resolve(undefined) });
    state.nextRead = undefined;
    if (this.#nodes.get(node) === state) this.#nodes.delete(node);
  }

  /** Until a poll needs a read, the timer for the next timed read fires (with two waits or more), or the end. */
  #pause(state: NodeState): Promise<void> {
    if (state.nextRead !== undefined || state.controller.signal.aborted) return Promise.resolve();
    const { freshMs, maxIntervalMs } = this.#timing;
    const waits = state.subscriptions.size;
    const delay = waits < 2 ? undefined : Math.min(maxIntervalMs, Math.max(freshMs, maxIntervalMs / waits));
    return new Promise<void>((resolve) => {
      const timer = delay === undefined ? undefined : setTimeout(done, delay);
      function done() {
        if (timer !== undefined) clearTimeout(timer);
        state.wake = undefined;
        resolve();
      }
      state.wake = done;
    });
  }

  async #read(node: string, signal: AbortSignal): Promise<ReadonlySet<string> | undefined> {
    try {
      const items = await this.#client.get(pvePath('nodes', node, 'tasks'), ACTIVE_TASKS, ActiveTasksSchema, {
        node,
        signal,
      });
      return new Set(items.map((item) => item.upid));
    } catch (error) {
      if (isHypervisorError(error, 'PERMISSION_DENIED')) this.#refused.add(node);
      return undefined;
    }
  }
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
