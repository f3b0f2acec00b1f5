import { isHypervisorError } from '@hvc/hypervisor-connector';
import { abandonable } from '@hvc/hypervisor-connector-kit';
import { pveRecords } from '../schemas/pve-record.js';
import { taskListItemFields } from '../schemas/record-fields.js';
import { pvePath } from '../transport/form-encoding.js';
import type { PveClient } from '../transport/pve-client.js';
import type { TaskListItem } from './task-service.js';

const NodeTasksSchema = pveRecords(taskListItemFields, 'in-place');

/**
 * `limit` defaults to 50 (pve-manager `PVE/API2/Tasks.pm` `node_tasks`): a busy node would cut off the tasks waited
 * for. A task a read leaves out is asked about itself, so a longer list only costs that.
 */
const LIST_LIMIT = 10_000;

/** How often a node's list is read. */
export interface NodeTaskWatchTiming {
  /** A read this recent answers a poll; also the shortest pause between two timed reads while waits keep beginning. */
  readonly freshMs: number;
  /**
   * The shortest pause between two timed reads, and the pause after a read that saw waited-for tasks end (tasks
   * started together end together, so the next read comes soon: at most one read more per task that ended).
   */
  readonly minIntervalMs: number;
  /** The longest pause between two timed reads. */
  readonly maxIntervalMs: number;
}

/** What a read of a node's task list says of one task: running, or ended with the item that says how. */
export type ListedTask =
  | { readonly state: 'running' }
  | { readonly state: 'ended'; readonly item: TaskListItem };

/** The task a wait is for: its UPID and its start by the node's clock (the UPID's `starttime`, unix seconds). */
export interface WatchedTask {
  readonly upid: string;
  readonly starttime: number;
}

/** One read of a node's task list: when it was sent, and its tasks by UPID (`undefined` when it failed). */
interface ListRead {
  readonly sentAt: number;
  readonly tasks: Promise<ReadonlyMap<string, TaskListItem> | undefined>;
}

/** A wait on one task of the node. */
interface Subscription {
  readonly task: WatchedTask;
  readonly since: number;
  readonly onEnd: (ended: TaskListItem | undefined) => void;
  notified: boolean;
}

/** The watch of one node while it has waits. */
interface NodeState {
  readonly subscriptions: Set<Subscription>;
  readonly controller: AbortController;
  latest?: ListRead;
  /** Resolved by the loop when it sends its next read. */
  nextRead?: Deferred<ListRead>;
  /** Ends the loop's pause at once: a poll needs a read. */
  wake?: () => void;
}

/**
 * The tasks of the nodes where several task waits run, read once for all of them
 * (`GET /nodes/{node}/tasks?source=all&since=…`) instead of one status call per wait and poll.
 *
 * A read tells each wait whether its task still runs (`RUNNING`) or how it ended: an ended task's item carries the
 * task's exit status (`status`: `OK`, `WARNINGS: n` or the error text) and `endtime`, and the outcome is taken from
 * it, with no status call. That is the same string a status read gives as `exitstatus`: both come from pve-common
 * `src/PVE/UPID.pm` `read_status` (the last line of the task log). pve-manager `PVE/API2/Tasks.pm`
 * `read_task_status` calls it (through `PVE::Tools::upid_read_status`) once the worker process is gone; pve-common
 * `src/PVE/RESTEnvironment.pm` `active_workers` calls it once the worker has ended and writes
 * `<upid> <endtime> <status>` to the archive (`/var/log/pve/tasks/index`) and the `active` file, which `node_tasks`
 * lists (running ones, without a status, as `RUNNING`).
 *
 * A task's end reaches the list only when `active_workers` runs again: at once when the daemon that forked the worker
 * reaps it, else when another task starts on the node or at the latest on pvestatd's next cycle (pve-manager
 * `PVE/Service/pvestatd.pm` `update_status`, every 10 s). Until then the list still shows `RUNNING` while a status
 * read already says stopped, and a wait keeps waiting. A task a read does not show at all (the credential may not see
 * it, the list was cut, or its read failed) is asked about itself, as is every task of a node with a single wait (no
 * list is read for it). So an outcome comes from one place or the other, never from the list's absence of a task.
 *
 * Timed reads come every `maxIntervalMs / waits` (within the timing's bounds: never more often than the waits would
 * poll if each polled at its slowest, and no more often than `freshMs` while waits keep beginning on any node), at the
 * shortest pause after a read that saw tasks end, and a wait is pushed its task's end (`onEnd`) by the first read that
 * shows it. A node whose list the credential may not read is not watched
 * again.
 */
export class NodeTaskWatch {
  readonly #client: PveClient;
  readonly #timing: NodeTaskWatchTiming;
  readonly #nodes = new Map<string, NodeState>();
  readonly #refused = new Set<string>();
  /** When a wait last began on any node (`performance.now()`). */
  #lastJoinAt = Number.NEGATIVE_INFINITY;

  constructor(client: PveClient, timing: NodeTaskWatchTiming) {
    this.#client = client;
    this.#timing = timing;
  }

  /**
   * Watches `task` on `node` until the returned function is called. `onEnd` is called once, by the first read sent
   * since the wait began that shows the task ended (with its item) or does not show it (without one).
   */
  subscribe(node: string, task: WatchedTask, onEnd: (ended: TaskListItem | undefined) => void): () => void {
    if (this.#refused.has(node)) return () => undefined;
    let state = this.#nodes.get(node);
    if (state === undefined) {
      const created: NodeState = { subscriptions: new Set(), controller: new AbortController() };
      state = created;
      this.#nodes.set(node, created);
      void this.#run(node, created);
    }
    const subscription: Subscription = { task, since: performance.now(), onEnd, notified: false };
    this.#lastJoinAt = subscription.since;
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
   * What a read of the node's tasks sent since `since` (a `performance.now()` time) says of `upid`: the latest read
   * when it is fresh, else one sent now. `undefined` when it does not show the task, when the node has fewer than
   * two waits, or when the read failed: then only the task's own status can tell.
   */
  async lookup(
    node: string,
    upid: string,
    since: number,
    signal?: AbortSignal,
  ): Promise<ListedTask | undefined> {
    const state = this.#nodes.get(node);
    if (state === undefined || state.subscriptions.size < 2) return undefined;
    const latest = state.latest;
    let read: ListRead;
    if (
      latest !== undefined &&
      latest.sentAt >= since &&
      performance.now() - latest.sentAt < this.#timing.freshMs
    ) {
      read = latest;
    } else {
      state.nextRead ??= deferred<ListRead>();
      const next = state.nextRead.promise;
      state.wake?.();
      read = await abandonable(next, signal);
    }
    const tasks = await abandonable(read.tasks, signal);
    return listedTask(tasks?.get(upid));
  }

  /** Reads the node's list on demand and on its timer while it has waits, pushing the ends it shows. */
  async #run(node: string, state: NodeState): Promise<void> {
    const { signal } = state.controller;
    let sawEnd = false;
    for (;;) {
      await this.#pause(state, sawEnd);
      if (signal.aborted) break;
      const sentAt = performance.now();
      const tasks = this.#read(node, earliestStart(state.subscriptions), signal);
      const read: ListRead = { sentAt, tasks };
      state.latest = read;
      state.nextRead?.resolve(read);
      state.nextRead = undefined;
      const listed = await tasks;
      if (signal.aborted || (listed === undefined && this.#refused.has(node))) break;
      sawEnd = false;
      if (listed === undefined) continue;
      for (const subscription of [...state.subscriptions]) {
        if (subscription.notified) continue;
        const task = listedTask(listed.get(subscription.task.upid));
        if (task?.state === 'running') continue;
        // A read sent before the wait began may predate its task.
        if (task === undefined && subscription.since > sentAt) continue;
        subscription.notified = true;
        sawEnd = true;
        subscription.onEnd(task?.item);
      }
    }
    // No read will come: whoever waits for one asks the task itself.
    state.nextRead?.resolve({ sentAt: performance.now(), tasks: Promise.resolve(undefined) });
    state.nextRead = undefined;
    if (this.#nodes.get(node) === state) this.#nodes.delete(node);
  }

  /** Until a poll needs a read, the timer for the next timed read fires (with two waits or more), or the end. */
  #pause(state: NodeState, sawEnd: boolean): Promise<void> {
    if (state.nextRead !== undefined || state.controller.signal.aborted) return Promise.resolve();
    const { freshMs, minIntervalMs, maxIntervalMs } = this.#timing;
    const waits = state.subscriptions.size;
    // While waits keep beginning, the connector is busy sending the writes that start their tasks, and those tasks are
    // young: reading at the shortest pause then would only take request slots from the starts.
    const floor = performance.now() - this.#lastJoinAt < freshMs ? freshMs : minIntervalMs;
    const delay =
      waits < 2
        ? undefined
        : sawEnd
          ? minIntervalMs
          : Math.min(maxIntervalMs, Math.max(floor, maxIntervalMs / waits));
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

  /**
   * The node's tasks that began at `since` or later (`starttime`, the node's clock as in the UPIDs, so no clock skew
   * between it and the connector matters), running and ended, by UPID.
   */
  async #read(
    node: string,
    since: number,
    signal: AbortSignal,
  ): Promise<ReadonlyMap<string, TaskListItem> | undefined> {
    try {
      const items = await this.#client.get(
        pvePath('nodes', node, 'tasks'),
        { source: 'all', since, limit: LIST_LIMIT },
        NodeTasksSchema,
        { node, signal },
      );
      const tasks = new Map<string, TaskListItem>();
      for (const item of items) {
        // `node_tasks` reads the active file and then the archive without the lock `active_workers` holds while it
        // moves a task from one to the other, so a task can show twice: as running and as ended. Its end wins.
        if (!tasks.has(item.upid) || listedTask(item)?.state === 'ended') tasks.set(item.upid, item);
      }
      return tasks;
    } catch (error) {
      if (isHypervisorError(error, 'PERMISSION_DENIED')) this.#refused.add(node);
      return undefined;
    }
  }
}

/**
 * What a list item says of its task: `RUNNING` (`node_tasks` gives an active task without an exit status that), or
 * ended with its exit status. `undefined` for an item without a status, or no item.
 */
function listedTask(item: TaskListItem | undefined): ListedTask | undefined {
  if (item?.status === undefined || item.status === '') return undefined;
  return item.status === 'RUNNING' ? { state: 'running' } : { state: 'ended', item };
}

/** The earliest start among the waits' tasks: the `since` of a read that shows them all. */
function earliestStart(subscriptions: ReadonlySet<Subscription>): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const subscription of subscriptions) earliest = Math.min(earliest, subscription.task.starttime);
  return Number.isFinite(earliest) ? earliest : Math.floor(Date.now() / 1000);
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
