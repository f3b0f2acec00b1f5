import { isHypervisorError, type Operation } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import { PveTaskLogLineSchema, PveTaskStatusSchema } from '../schemas/tasks.js';
import { pvePath } from '../transport/form-encoding.js';
import type { PveClient } from '../transport/pve-client.js';
import { encodeOperationId, type OperationRef } from './operation-id.js';
import { isoFromEpochSeconds, taskOutcome, warningLines } from './task-outcome.js';
import { parseUpid, type Upid } from './upid.js';

const LogSchema = z.array(PveTaskLogLineSchema);

/** How many log lines a failure carries. */
export const LOG_TAIL_LINES = 20;

/** Reads, and stops, PVE tasks as contract operations. */
export class TaskService {
  readonly #client: PveClient;
  readonly #noSuchTaskGraceMs: number;

  constructor(client: PveClient, noSuchTaskGraceMs: number) {
    this.#client = client;
    this.#noSuchTaskGraceMs = noSuchTaskGraceMs;
  }

  /** The operation of a task just started: running, started when its UPID says. */
  started(ref: OperationRef): Operation {
    const task = parseUpid(ref.upid);
    return {
      id: encodeOperationId(ref),
      type: ref.type,
      ...(ref.guestId === undefined ? {} : { guestId: ref.guestId }),
      status: 'running',
      startedAt: isoFromEpochSeconds(task.starttime),
      raw: { upid: ref.upid, node: task.node, type: task.type },
    };
  }

  /**
   * The operation's current state. A task PVE does not know yet ("no such task") counts as running for a grace
   * period after its start, measured from `since` (or the UPID's start time).
   */
  async get(ref: OperationRef & { task: Upid }, signal?: AbortSignal, since?: number): Promise<Operation> {
    const { task } = ref;
    const id = encodeOperationId(ref);
    let status: z.output<typeof PveTaskStatusSchema>;
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
      if (isHypervisorError(error, 'NOT_FOUND') && this.#withinGrace(task, since)) return this.started(ref);
      if (isHypervisorError(error, 'NOT_FOUND')) {
        throw Object.assign(error, { operationId: id });
      }
      throw error;
    }
    const outcome = taskOutcome(status.status, status.exitstatus);
    const base = this.started(ref);
    if (outcome.status === 'running') return { ...base, raw: status };
    const ended = { ...base, status: outcome.status, endedAt: new Date().toISOString(), raw: status };
    if (outcome.status === 'succeeded') {
      if (outcome.warningCount === undefined) return ended;
      const warnings = warningLines(await this.logTail(ref, 500, signal));
      return { ...ended, warnings: warnings.length > 0 ? warnings : [`${outcome.warningCount} warning(s)`] };
    }
    return {
      ...ended,
      error: {
        code: outcome.status === 'cancelled' ? 'CANCELLED' : 'OPERATION_FAILED',
        message: outcome.error ?? 'the task failed',
      },
    };
  }

  /** The last `lines` lines of the task's log (of its first 10 000 lines). */
  async logTail(ref: OperationRef & { task: Upid }, lines: number, signal?: AbortSignal): Promise<string[]> {
    const path = pvePath('nodes', ref.task.node, 'tasks', ref.upid, 'log');
    const log = await this.#client.get(path, { start: 0, limit: 10_000 }, LogSchema, {
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

  #withinGrace(task: Upid, since: number | undefined): boolean {
    const from = Math.max(since ?? 0, task.starttime * 1000);
    return Date.now() - from < this.#noSuchTaskGraceMs;
  }
}
