import { isHypervisorError, type Operation } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import { pveRecords } from '../schemas/pve-record.js';
import { taskListItemFields } from '../schemas/record-fields.js';
import { PveTaskLogSchema, type PveTaskStatus, PveTaskStatusSchema } from '../schemas/tasks.js';
import { pvePath } from '../transport/form-encoding.js';
import type { PveClient } from '../transport/pve-client.js';
import { type AwaitedGuestChange, awaitedGuestChange, isHaTask } from './awaited-guest-change.js';
import { decodeOperationId, encodeOperationId, type OperationRef, publicUpid } from './operation-id.js';
import { isoFromEpochSeconds, type TaskOutcome, taskOutcome, warningLines } from './task-outcome.js';
import { guestIdOfTask, operationTypeOfTask } from './task-types.js';
import { parseUpid, tryParseUpid, type Upid } from './upid.js';

/** What the connector reads of a guest's status to tell whether the change a task set going has happened. */
const GuestChangeStatusSchema = z.looseObject({
  status: z.string().optional(),
  ha: z.looseObject({ state: z.string().optional() }).optional(),
});

const TaskListSchema = pveRecords(taskListItemFields);

/** One item of a PVE task list (`/cluster/tasks`, `/nodes/{node}/tasks`). */
export type TaskListItem = z.output<typeof TaskListSchema>[number];

/** How many log lines a failure carries. */
export const LOG_TAIL_LINES = 20;

/** Reads, and stops, PVE tasks as contract operations. */
export class TaskService {
  readonly #client: PveClient;
  readonly #noSuchTaskGraceMs: number;
  /** The user or token the connector acts as (`user@realm[!tokenid]`), as PVE names it in the UPIDs of its tasks. */
  readonly #owner: string | undefined;
  /**
   * When this process saw each of its recent tasks start (ms), for the "no such task" grace period, and the reference
   * it handed out for it, so a task list shows the operation under the id its caller holds.
   */
  readonly #seen = new Map<string, { readonly at: number; readonly ref: OperationRef }>();

  constructor(client: PveClient, noSuchTaskGraceMs: number, owner?: string) {
    this.#client = client;
    this.#noSuchTaskGraceMs = noSuchTaskGraceMs;
    this.#owner = owner;
  }

  /**
   * The operation reference of an operation id. Ids of the connector's own tasks carry a placeholder instead of its
   * user or token id, which this puts back: PVE knows a task only by its whole UPID.
   */
  decode(operationId: string): OperationRef & { readonly task: Upid } {
    return decodeOperationId(operationId, this.#owner);
  }

  /** The UPID as the connector shows it (operations' `raw`, error details): without its own user or token id. */
  publicUpid(upid: string): string {
    return publicUpid(upid, this.#owner);
  }

  /** The operation of a task just started: running, started when its UPID says. */
  started(ref: OperationRef): Operation {
    this.#remember(ref);
    return this.#running(ref, parseUpid(ref.upid), encodeOperationId(ref, this.#owner));
  }

  /** The operation of a task known to run (its node lists it among its active tasks), read from its UPID alone. */
  running(ref: OperationRef): Operation {
    return this.#running(ref, parseUpid(ref.upid), encodeOperationId(ref, this.#owner));
  }

  /**
   * The operation's current state. A task PVE does not know yet ("no such task") counts as running for a grace
   * period after it started: after this process saw it start, or after the start time in its UPID.
   */
  async get(ref: OperationRef & { task: Upid }, signal?: AbortSignal): Promise<Operation> {
    const { task } = ref;
    let status: PveTaskStatus;
    try {
      status = await this.#client.get(
        pvePath('nodes', task.node, 'tasks', ref.upid, 'status'),
        undefined,
        PveTaskStatusSchema,
        {
          node: task.node,
          ...(signal === undefined ? {} : { signal }),
        },
      );
    } catch (error) {
      if (isHypervisorError(error, 'NOT_FOUND') && this.#withinGrace(ref.upid, task))
        return this.#running(ref, task, encodeOperationId(ref, this.#owner));
      if (isHypervisorError(error, 'NOT_FOUND')) {
        throw Object.assign(error, { operationId: encodeOperationId(ref, this.#owner) });
      }
      throw error;
    }
    return this.#operation(ref, status, undefined, signal);
  }

  /**
   * The operation of a task that its node's task list (`/nodes/{node}/tasks`) shows ended, as `get` would give it,
   * with no status call: the item's `status` is the exit status a status read gives as `exitstatus` (see
   * `NodeTaskWatch`), and it ended at the item's `endtime`.
   */
  endedAsListed(
    ref: OperationRef & { task: Upid },
    item: TaskListItem,
    signal?: AbortSignal,
  ): Promise<Operation> {
    const { status: exitstatus, endtime, ...fields } = item;
    const status: PveTaskStatus = {
      ...fields,
      status: 'stopped',
      ...(exitstatus === undefined ? {} : { exitstatus }),
    };
    return this.#operation(
      ref,
      status,
      endtime === undefined ? undefined : isoFromEpochSeconds(endtime),
      signal,
    );
  }

  /**
   * The operation of a task in the state `status` gives (`status`, `exitstatus`): one mapping of exit statuses
   * (`taskOutcome`) whether the status was read or listed. A succeeded task that only set a guest change going is
   * running until the guest has made it; a task with warnings carries its log's `WARN` lines. `endedAt` is the
   * task's end when known (now otherwise).
   */
  async #operation(
    ref: OperationRef & { task: Upid },
    status: PveTaskStatus,
    endedAt: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Operation> {
    const { task } = ref;
    const outcome = taskOutcome(status.status, status.exitstatus);
    const base = this.#running(ref, task, encodeOperationId(ref, this.#owner));
    const raw = this.#publicStatus(status);
    if (outcome.status === 'running') {
      base.raw = raw;
      return base;
    }
    const awaited = outcome.status === 'succeeded' ? awaitedGuestChange(ref, task.type) : undefined;
    if (awaited !== undefined && ref.guestId !== undefined) {
      const change = await this.#guestChange(ref.guestId, task, awaited, signal);
      const changeRaw = { ...raw, ...(change.raw === undefined ? {} : { [change.rawKey]: change.raw }) };
      if (change.state === 'waiting') {
        base.raw = changeRaw;
        return base;
      }
      if (change.state === 'error') {
        return {
          ...base,
          status: 'failed',
          endedAt: new Date().toISOString(),
          raw: changeRaw,
          error: { code: 'OPERATION_FAILED', message: change.message },
        };
      }
      // The operation ended when the guest changed, not with its task.
      endedAt = undefined;
    }
    const ended = endedOperation(base, outcome, endedAt ?? new Date().toISOString(), raw);
    if (outcome.warningCount === undefined || ended.status !== 'succeeded') return ended;
    const warnings = warningLines(await this.logTail(ref, 500, signal));
    return { ...ended, warnings: warnings.length > 0 ? warnings : (ended.warnings ?? []) };
  }

  /**
   * The operation of an item of a task list (`/cluster/tasks`), read from the item alone: the id this process handed
   * out for the task when it started it, else one made from the task's type and VMID (see `operationTypeOfTask`).
   * Its status is the task's own: a start whose guest has yet to run shows succeeded here while `getOperation` still
   * says running. `undefined` for an item without a valid UPID.
   */
  listed(item: TaskListItem): Operation | undefined {
    const task = tryParseUpid(item.upid);
    if (task === undefined) return undefined;
    const guestId = guestIdOfTask(task.type, task.id);
    const ref: OperationRef = this.#seen.get(item.upid)?.ref ?? {
      type: operationTypeOfTask(task.type),
      ...(guestId === undefined ? {} : { guestId }),
      upid: item.upid,
    };
    const base = this.#running(ref, task, encodeOperationId(ref, this.#owner));
    const { status: exit, endtime, user, tokenid } = item as TaskListItem & { tokenid?: unknown };
    const authid = tokenid === undefined ? user : `${String(user)}!${String(tokenid)}`;
    if (authid !== undefined && authid !== this.#owner) {
      base.raw = { ...base.raw, user, ...(tokenid === undefined ? {} : { tokenid }) };
    }
    if (exit === undefined || exit === 'RUNNING') return base;
    return endedOperation(
      base,
      taskOutcome('stopped', exit),
      isoFromEpochSeconds(endtime ?? task.starttime),
      {
        ...base.raw,
        status: exit,
        ...(endtime === undefined ? {} : { endtime }),
      },
    );
  }

  /** The last `lines` lines of the task's log (of its first 10 000 lines). */
  async logTail(ref: OperationRef & { task: Upid }, lines: number, signal?: AbortSignal): Promise<string[]> {
    const path = pvePath('nodes', ref.task.node, 'tasks', ref.upid, 'log');
    const log = await this.#client.get(path, { start: 0, limit: 10_000 }, PveTaskLogSchema, {
      node: ref.task.node,
      ...(signal === undefined ? {} : { signal }),
    });
    return log.slice(-lines).map((line) => line.t);
  }

  /** Stops a running task (`DELETE` on it); a task that has ended is left alone. */
  async cancel(ref: OperationRef & { task: Upid }, signal?: AbortSignal): Promise<Operation> {
    const before = await this.get(ref, signal);
    if (before.status !== 'running') return before;
    await this.#client.call(
      'DELETE',
      pvePath('nodes', ref.task.node, 'tasks', ref.upid),
      undefined,
      undefined,
      {
        node: ref.task.node,
        ...(signal === undefined ? {} : { signal }),
      },
    );
    return this.get(ref, signal);
  }

  /**
   * Whether the guest has made the change the task only set going: it runs (`hastart`, a reboot, a start PVE forked at
   * the end of the task), has stopped (`hastop`) or has left the task's node (`hamigrate`). An HA service in `error`
   * fails the operation, and so does a forked start task that failed (found in the node's task list).
   */
  async #guestChange(
    guestId: string,
    task: Upid,
    awaited: AwaitedGuestChange,
    signal: AbortSignal | undefined,
  ): Promise<
    | { state: 'done' | 'waiting'; rawKey: string; raw?: unknown }
    | { state: 'error'; rawKey: string; raw?: unknown; message: string }
  > {
    const [type, vmid] = guestId.split('/') as [string, string];
    const options = { node: task.node, ...(signal === undefined ? {} : { signal }) };
    let status: z.output<typeof GuestChangeStatusSchema>;
    try {
      status = await this.#client.get(
        pvePath('nodes', task.node, type, vmid, 'status', 'current'),
        undefined,
        GuestChangeStatusSchema,
        options,
      );
    } catch (error) {
      // Not on the task's node any more: a migration has moved it.
      if (isHypervisorError(error, 'NOT_FOUND') && awaited === 'moved')
        return { state: 'done', rawKey: 'ha' };
      throw error;
    }
    if (isHaTask(task.type)) {
      const haState = status.ha?.state;
      if (haState === 'error') {
        return {
          state: 'error',
          rawKey: 'ha',
          raw: status.ha,
          message: `the HA manager could not carry out the request: ${guestId} is in HA state error`,
        };
      }
      const done =
        (awaited === 'running' && status.status === 'running' && haState !== 'request_start') ||
        (awaited === 'stopped' && status.status === 'stopped');
      return { state: done ? 'done' : 'waiting', rawKey: 'ha', raw: status.ha };
    }
    if (status.status === 'running') return { state: 'done', rawKey: 'start' };
    const start = await this.#startTaskAfter(task, vmid, options);
    const ended = start?.status === undefined || start.status === 'RUNNING' ? undefined : start.status;
    const outcome = ended === undefined ? undefined : taskOutcome('stopped', ended);
    const startRaw =
      start === undefined
        ? { status: status.status }
        : { upid: this.publicUpid(start.upid), status: status.status };
    // A start that ended OK did start the guest, whatever happened to it since.
    if (outcome?.status === 'succeeded') return { state: 'done', rawKey: 'start', raw: startRaw };
    if (outcome !== undefined) {
      return {
        state: 'error',
        rawKey: 'start',
        raw: { ...startRaw, exitstatus: ended },
        message: `${guestId} did not start: ${outcome.error ?? ended}`,
      };
    }
    return { state: 'waiting', rawKey: 'start', raw: startRaw };
  }

  /**
   * The newest start task of the guest that began on the task's node since the task did (PVE forks it at the end of
   * the task, or `qm cleanup` does after a reboot, as root@pam: the connector sees it with `Sys.Audit` on the node).
   */
  async #startTaskAfter(
    task: Upid,
    vmid: string,
    options: { node: string; signal?: AbortSignal },
  ): Promise<z.output<typeof TaskListSchema>[number] | undefined> {
    const tasks = await this.#client.get(
      pvePath('nodes', task.node, 'tasks'),
      { vmid, since: task.starttime, source: 'all', limit: 50 },
      TaskListSchema,
      options,
    );
    return tasks
      .filter((t) => (t.type === 'qmstart' || t.type === 'vzstart') && (t.starttime ?? 0) >= task.starttime)
      .sort((a, b) => (b.starttime ?? 0) - (a.starttime ?? 0))[0];
  }

  /** PVE's task status without the connector's own user and token id (`user`, `tokenid`, the UPID's user). */
  #publicStatus(status: PveTaskStatus): Record<string, unknown> {
    const { user, tokenid, ...rest } = status as Record<string, unknown>;
    const authid = tokenid === undefined ? user : `${String(user)}!${String(tokenid)}`;
    const own = authid !== undefined && authid === this.#owner;
    return {
      ...rest,
      ...(typeof status.upid === 'string' ? { upid: this.publicUpid(status.upid) } : {}),
      ...(own
        ? {}
        : { ...(user === undefined ? {} : { user }), ...(tokenid === undefined ? {} : { tokenid }) }),
    };
  }

  #withinGrace(upid: string, task: Upid): boolean {
    const now = Date.now();
    const seen = this.#seen.get(upid)?.at;
    if (seen !== undefined && now - seen < this.#noSuchTaskGraceMs) return true;
    return Math.abs(now - task.starttime * 1000) < this.#noSuchTaskGraceMs;
  }

  #remember(ref: OperationRef): void {
    if (this.#seen.has(ref.upid)) return;
    this.#seen.set(ref.upid, { at: Date.now(), ref });
    // Keep the map small: only recent tasks can still be in their grace period.
    if (this.#seen.size > 1000) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  /** The operation of a running task (`task` is its parsed UPID, `id` its operation id). */
  #running(ref: OperationRef, task: Upid, id: string): { -readonly [K in keyof Operation]: Operation[K] } {
    return {
      id,
      type: ref.type,
      ...(ref.guestId === undefined ? {} : { guestId: ref.guestId }),
      ...(ref.resourceId === undefined ? {} : { resourceId: ref.resourceId }),
      status: 'running',
      startedAt: isoFromEpochSeconds(task.starttime),
      raw: { upid: this.publicUpid(ref.upid), node: task.node, type: task.type },
    };
  }
}

/**
 * The operation of a task that has ended with `outcome` (from `taskOutcome`): succeeded (with a count of warnings for
 * `WARNINGS: n`, which a reader of the log replaces with its lines), failed with OPERATION_FAILED or cancelled with
 * CANCELLED, the exit status as the error's message.
 */
function endedOperation(
  base: Operation,
  outcome: TaskOutcome,
  endedAt: string,
  raw: Record<string, unknown>,
): Operation {
  const ended: Operation = { ...base, status: outcome.status, endedAt, raw };
  if (outcome.status === 'succeeded') {
    return outcome.warningCount === undefined
      ? ended
      : { ...ended, warnings: [`${outcome.warningCount} warning(s)`] };
  }
  return {
    ...ended,
    error: {
      code: outcome.status === 'cancelled' ? 'CANCELLED' : 'OPERATION_FAILED',
      message: outcome.error ?? 'the task failed',
    },
  };
}
