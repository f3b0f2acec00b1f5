import { formatUpid, type Upid } from '@hvc/hypervisor-connector-proxmox';
import type { FakeClock } from '../clock.js';
import { PveError } from '../pve-error.js';

/** A task as the fake keeps it: the fields of its UPID, and its run. */
export interface TaskRecord extends Omit<Upid, 'user'> {
  readonly upid: string;
  /** `user@realm` or `user@realm!tokenid`: the UPID's user. */
  readonly authid: string;
  status: 'running' | 'stopped';
  /** `OK`, `WARNINGS: <n>` or the error text, once stopped. */
  exitstatus?: string;
  endtime?: number;
  readonly log: string[];
}

/** Appends lines to a task's log. */
export type TaskLog = (line: string) => void;

/** What a task does; PVE runs the lock check and the work inside the worker, so errors end up in the task. */
export interface TaskSpec {
  readonly node: string;
  readonly type: string;
  readonly id: string;
  readonly authid: string;
  /** Runs when the task starts (lock checks, taking the lock). Throwing fails the task. */
  readonly begin?: (log: TaskLog) => void;
  /**
   * How long after the UPID is returned the worker starts (runs `begin`); 0 (default) at once. PVE forks the worker
   * and answers with its UPID, so what the worker does first can interleave with other requests.
   */
  readonly beginDelayMs?: number;
  /** Runs when the task ends successfully (the state change). Throwing fails the task. */
  readonly finish?: (log: TaskLog) => void;
  /** Runs when the task ends in any way after `begin` succeeded (releasing the lock). */
  readonly cleanup?: () => void;
  /** How long the task runs, ms, in place of the configured duration of its type. */
  readonly durationMs?: number;
}

/** Makes the next matching task fail or end with warnings. */
export interface TaskFailure {
  /** Task type, e.g. `qmstart`, `vzcreate`; any when absent. */
  readonly type?: string;
  /** Guest id the task belongs to; any when absent. */
  readonly vmid?: number;
  /** The error the task ends with (state unchanged). Default `injected failure` unless `warnings` are given. */
  readonly message?: string;
  /** Warning lines: the task succeeds with `WARNINGS: <n>`. */
  readonly warnings?: readonly string[];
}

interface Running {
  readonly record: TaskRecord;
  readonly timer: NodeJS.Timeout;
  readonly done: Promise<void>;
  readonly end: (forced?: string) => void;
}

/** Runs tasks: UPIDs, a configurable duration, logs, injected failures. */
export class TaskRunner {
  readonly tasks = new Map<string, TaskRecord>();
  readonly #running = new Map<string, Running>();
  readonly #failures: TaskFailure[] = [];
  #pid = 0x1000 + Math.floor(Math.random() * 0x10000);

  constructor(
    private readonly clock: FakeClock,
    private readonly durationMs: (type: string) => number,
    private readonly bootedAt: (node: string) => number,
  ) {}

  /** Queues an injected failure for the next matching task. */
  failNext(failure: TaskFailure): void {
    this.#failures.push(failure);
  }

  private takeFailure(type: string, id: string): TaskFailure | undefined {
    const i = this.#failures.findIndex(
      (f) => (!f.type || f.type === type) && (f.vmid === undefined || String(f.vmid) === id),
    );
    return i < 0 ? undefined : this.#failures.splice(i, 1)[0];
  }

  /** Starts a task and returns its UPID. */
  start(spec: TaskSpec): string {
    const now = this.clock.nowSeconds();
    const pid = this.#pid++;
    const pstart = Math.max(1, (now - this.bootedAt(spec.node)) * 100 + (pid % 100));
    const fields = { node: spec.node, pid, pstart, starttime: now, type: spec.type, id: spec.id };
    const upid = formatUpid({ ...fields, user: spec.authid });
    const record: TaskRecord = { ...fields, upid, authid: spec.authid, status: 'running', log: [] };
    this.tasks.set(upid, record);
    const log: TaskLog = (line) => record.log.push(line);
    const failure = this.takeFailure(spec.type, spec.id);
    let error: string | undefined;
    let begun = false;
    let started = false;
    const runBegin = (): void => {
      if (started) return;
      started = true;
      try {
        spec.begin?.(log);
        begun = true;
      } catch (e) {
        error = errorText(e);
      }
    };
    const delay = spec.beginDelayMs ?? 0;
    if (delay <= 0) runBegin();
    else setTimeout(runBegin, delay).unref();
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    const end = (forced?: string): void => {
      if (record.status === 'stopped') return;
      runBegin();
      clearTimeout(timer);
      this.#running.delete(upid);
      let exit = forced ?? error;
      if (exit === undefined && failure && !failure.warnings) exit = failure.message ?? 'injected failure';
      if (exit === undefined) {
        try {
          spec.finish?.(log);
        } catch (e) {
          exit = errorText(e);
        }
      }
      if (begun) {
        // Releasing a lock is a config write too, and fails as one (e.g. without quorum): the task keeps its result.
        try {
          spec.cleanup?.();
        } catch (e) {
          log(`WARN: ${errorText(e)}`);
        }
      }
      const warnings = exit === undefined ? (failure?.warnings ?? []) : [];
      for (const w of warnings) log(`WARN: ${w}`);
      if (exit !== undefined) log(`TASK ERROR: ${exit}`);
      else log(warnings.length > 0 ? `TASK WARNINGS: ${warnings.length}` : 'TASK OK');
      record.exitstatus = exit ?? (warnings.length > 0 ? `WARNINGS: ${warnings.length}` : 'OK');
      record.endtime = this.clock.nowSeconds();
      record.status = 'stopped';
      resolveDone();
    };
    const timer = setTimeout(() => end(), spec.durationMs ?? this.durationMs(spec.type));
    timer.unref();
    this.#running.set(upid, { record, timer, done, end });
    return upid;
  }

  /** Stops a running task (`DELETE /nodes/{node}/tasks/{upid}`): it ends with an error. */
  kill(upid: string): void {
    this.#running.get(upid)?.end('received interrupt');
  }

  /** Resolves when every task running now has ended. */
  async settle(): Promise<void> {
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Ends every running task now (as if its time had passed). */
  finishAll(): void {
    for (const r of [...this.#running.values()]) r.end();
  }

  /** Cancels all timers (on close). */
  dispose(): void {
    for (const r of this.#running.values()) clearTimeout(r.timer);
  }
}

/** The message of an error thrown inside a task. */
function errorText(e: unknown): string {
  if (e instanceof PveError || e instanceof Error) return e.message;
  return String(e);
}
