/** A PVE task the responder started: it runs until `endsAt` and then ends with `OK`. */
export interface ResponderTask {
  readonly upid: string;
  readonly node: string;
  readonly type: string;
  readonly id: string;
  readonly endsAt: number;
  /** Its UPID's start time, unix seconds (what a task list's `since` and `until` compare). */
  readonly starttime: number;
  /** When it ends, unix seconds (a task list's `endtime`). */
  readonly endtime: number;
  /** Status requests seen for this task. */
  polls: number;
  /** When the first status request or task list that showed the task ended arrived (ms, `performance.now()` clock). */
  seenEndedAt?: number;
}

/** Counts of the tasks' status polls, for the fan-out scenario. */
export interface TaskPollStats {
  readonly tasks: number;
  readonly polls: number;
  /** Median delay between a task's end and the poll that saw it, ms. */
  readonly medianDetectionLagMs: number | null;
  /** Tasks whose end no poll saw. */
  readonly unseen: number;
  /** Time between the first and the last task start, ms: how long the starts themselves took. */
  readonly startSpreadMs: number | null;
}

const hex = (value: number, width: number) => value.toString(16).toUpperCase().padStart(width, '0');

/** Starts tasks with real-looking UPIDs that run for a fixed time, and answers their status by the clock. */
export class TaskRegistry {
  private readonly tasks = new Map<string, ResponderTask>();
  private readonly byGuest = new Map<string, ResponderTask[]>();
  private nextPid = 0x10000;

  constructor(private readonly durationMs: number) {}

  /** Starts a task of `type` for guest `id` on `node` and returns it. */
  start(node: string, type: string, id: string): ResponderTask {
    const pid = this.nextPid++;
    const now = Date.now();
    const starttime = Math.floor(now / 1000);
    const upid = `UPID:${node}:${hex(pid, 8)}:${hex(0x2290000 + pid, 8)}:${hex(starttime, 8)}:${type}:${id}:root@pam!bench:`;
    const task: ResponderTask = {
      upid,
      node,
      type,
      id,
      endsAt: performance.now() + this.durationMs,
      starttime,
      endtime: Math.floor((now + this.durationMs) / 1000),
      polls: 0,
    };
    this.tasks.set(upid, task);
    const key = `${node}/${id}`;
    const list = this.byGuest.get(key);
    if (list) list.push(task);
    else this.byGuest.set(key, [task]);
    return task;
  }

  /** The tasks started on `node` for guest `id`, oldest first. */
  forGuest(node: string, id: string): readonly ResponderTask[] {
    return this.byGuest.get(`${node}/${id}`) ?? [];
  }

  /** The tasks started on `node`, oldest first. */
  forNode(node: string): readonly ResponderTask[] {
    return [...this.tasks.values()].filter((task) => task.node === node);
  }

  /** The task with this UPID, counting the lookup as one status poll. */
  poll(upid: string): ResponderTask | undefined {
    const task = this.tasks.get(upid);
    if (task) task.polls++;
    return task;
  }

  /** Whether the task has ended by now; records when a poll or a task list first showed it ended. */
  ended(task: ResponderTask, now: number): boolean {
    if (now < task.endsAt) return false;
    task.seenEndedAt ??= now;
    return true;
  }

  /** Poll counts over every task started since the last reset. */
  stats(): TaskPollStats {
    let polls = 0;
    let unseen = 0;
    let firstEnd = Number.POSITIVE_INFINITY;
    let lastEnd = Number.NEGATIVE_INFINITY;
    const lags: number[] = [];
    for (const task of this.tasks.values()) {
      polls += task.polls;
      firstEnd = Math.min(firstEnd, task.endsAt);
      lastEnd = Math.max(lastEnd, task.endsAt);
      if (task.seenEndedAt === undefined) unseen++;
      else lags.push(task.seenEndedAt - task.endsAt);
    }
    lags.sort((a, b) => a - b);
    const middle = lags[Math.floor(lags.length / 2)];
    return {
      tasks: this.tasks.size,
      polls,
      medianDetectionLagMs: middle ?? null,
      unseen,
      startSpreadMs: this.tasks.size === 0 ? null : lastEnd - firstEnd,
    };
  }

  /** Forgets every task. */
  reset(): void {
    this.tasks.clear();
    this.byGuest.clear();
  }
}
