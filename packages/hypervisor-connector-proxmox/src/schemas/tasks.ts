import { z } from 'zod';
import { pveRecord } from './pve-record.js';
import { pveNumber } from './pve-values.js';
import { taskStatusFields } from './record-fields.js';

/** The answer of a call that starts a task: its UPID. */
export const PveUpidSchema = z.string().startsWith('UPID:');

/** `GET /nodes/{node}/tasks/{upid}/status`. `exitstatus` is present once the task has stopped. */
export const PveTaskStatusSchema = pveRecord(taskStatusFields);

/** A parsed task status. */
export type PveTaskStatus = z.output<typeof PveTaskStatusSchema>;

/** One line of `GET /nodes/{node}/tasks/{upid}/log`. */
const PveTaskLogLineSchema = z.looseObject({ n: pveNumber, t: z.string() });

/** `GET /nodes/{node}/tasks/{upid}/log`. */
export const PveTaskLogSchema = z.array(PveTaskLogLineSchema);
