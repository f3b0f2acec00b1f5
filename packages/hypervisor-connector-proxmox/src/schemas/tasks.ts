import { z } from 'zod';
import { pveNumber, pveOptionalNumber, pveOptionalString } from './pve-values.js';

/** `GET /nodes/{node}/tasks/{upid}/status`. `exitstatus` is present once the task has stopped. */
export const PveTaskStatusSchema = z.looseObject({
  upid: z.string(),
  status: z.string(),
  exitstatus: pveOptionalString,
  node: pveOptionalString,
  type: pveOptionalString,
  id: pveOptionalString,
  user: pveOptionalString,
  starttime: pveOptionalNumber,
});

/** A parsed task status. */
export type PveTaskStatus = z.output<typeof PveTaskStatusSchema>;

/** One line of `GET /nodes/{node}/tasks/{upid}/log`. */
export const PveTaskLogLineSchema = z.looseObject({ n: pveNumber, t: z.string() });

/** One item of `GET /nodes/{node}/tasks` (`status` is the exit status text there, `RUNNING` for active ones). */
export const PveTaskListItemSchema = z.looseObject({
  upid: z.string(),
  node: pveOptionalString,
  type: pveOptionalString,
  id: pveOptionalString,
  user: pveOptionalString,
  status: pveOptionalString,
  starttime: pveOptionalNumber,
  endtime: pveOptionalNumber,
});
