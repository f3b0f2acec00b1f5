import { z } from 'zod';
import { pveRecord } from './pve-record.js';
import { pveNumber } from './pve-values.js';
import { taskListItemFields, taskStatusFields } from './record-fields.js';

/** `GET /nodes/{node}/tasks/{upid}/status`. `exitstatus` is present once the task has stopped. */
export const PveTaskStatusSchema = pveRecord(taskStatusFields);

/** A parsed task status. */
export type PveTaskStatus = z.output<typeof PveTaskStatusSchema>;

/** One line of `GET /nodes/{node}/tasks/{upid}/log`. */
export const PveTaskLogLineSchema = z.looseObject({ n: pveNumber, t: z.string() });

/** One item of `GET /nodes/{node}/tasks` (`status` is the exit status text there, `RUNNING` for active ones). */
export const PveTaskListItemSchema = pveRecord(taskListItemFields);
