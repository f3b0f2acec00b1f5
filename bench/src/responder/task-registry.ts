/** A PVE task the responder started: it runs until `endsAt` and then ends with `OK`. */
export interface ResponderTask {
  readonly upid: string;
  readonly node: string;
  readonly type: string;
  readonly id: string;
  readonly endsAt: number;
  /** Status requests seen for this task. */
  polls: number;
  /** When the first status request that saw the task ended arrived (ms, `performance.now()` clock). */
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
}

const hex = (value: number, width: number) => value.toString(16).toUpperCase().padStart(width, '0');

/** Starts tasks with real-looking UPIDs that run for a fixed time, and answers their status by the clock. */
export class TaskRegistry {
  private readonly tasks = new Map<string, ResponderTask>();
  private nextPid = 0x10000;

  constructor(private readonly durationMs: number) {}

  /** Starts a task of `type` for guest `id` on `node` and returns it. */
  start(node: string, type: string, id: string): ResponderTask {
    const pid = this.nextPid++;
    const starttime = Math.floor(Date.now() / 1000);
    const upid = `UPID:${node}:${hex(pid, 8)}:${hex(0x2290000 + pid, 8)}:${hex(starttime, 8)}:${type}:${id}:root@pam!bench:`;
    const task: ResponderTask = {
      upid,
      node,
      type,
      id,
      endsAt: performance.now() + this.durationMs,
      polls: 0,
    };
    this.tasks.set(upid, task);
    return task;
  }

  /** The task with this UPID, counting the lookup as one status poll. */
  poll(upid: string): ResponderTask | undefined {
    const task = this.tasks.get(upid);
    if (task) task.polls++;
    return task;
  }

  /** Whether the task has ended by now; records when a poll first saw it ended. */
  ended(task: ResponderTask, now: number): boolean {
    if (now < task.endsAt) return false;
    task.seenEndedAt ??= now;
    return true;
  }

  /** Poll counts over every task started since the last reset. */
  stats(): TaskPollStats {
    let polls = 0;
    let unseen = 0;
    const lags: number[] = [];
    for (const task of this.tasks.values()) {
      polls += task.polls;
      if (task.seenEndedAt === undefined) unseen++;
      else lags.push(task.seenEndedAt - task.endsAt);
    }
    lags.sort((a, b) => a - b);
    const middle = lags[Math.floor(lags.length / 2)];
    return { tasks: this.tasks.size, polls, medianDetectionLagMs: middle ?? null, unseen };
  }

  /** Forgets every task. */
  reset(): void {
    this.tasks.clear();
  }
}
