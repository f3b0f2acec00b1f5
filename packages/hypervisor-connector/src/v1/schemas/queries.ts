import { z } from 'zod';
import { CONSOLE_PROTOCOLS } from '../model/console-ticket.js';
import { GUEST_STATES, GUEST_TYPES } from '../model/guest.js';
import { METRIC_TIMEFRAMES } from '../model/metric-series.js';
import { NodeNameSchema, ResourceNameSchema, TagSchema } from './identifiers.js';

/** Narrows `listGuests`. Every present field must match. */
export const GuestFilterSchema = z.strictObject({
  type: z.enum(GUEST_TYPES).optional(),
  node: NodeNameSchema.optional(),
  state: z.enum(GUEST_STATES).optional(),
  /** Guests carrying all of these tags. */
  tags: z.array(TagSchema).max(64).optional(),
  /** Guests whose name starts with this. */
  namePrefix: z.string().max(128).optional(),
  pool: ResourceNameSchema.optional(),
  /** Include templates (default true). */
  templates: z.boolean().optional(),
});

/** A validated guest filter. */
export type GuestFilter = z.output<typeof GuestFilterSchema>;

/** Which console to open. */
export const ConsoleRequestSchema = z.strictObject({
  protocol: z.enum(CONSOLE_PROTOCOLS),
});

/** A validated console request. */
export type ConsoleRequest = z.output<typeof ConsoleRequestSchema>;

/** Which metrics to read. */
export const MetricsRequestSchema = z.strictObject({
  timeframe: z.enum(METRIC_TIMEFRAMES).default('hour'),
});

/** A validated metrics request. */
export type MetricsRequest = z.output<typeof MetricsRequestSchema>;
/** A metrics request as callers write it. */
export type MetricsRequestInput = z.input<typeof MetricsRequestSchema>;

/** The longest a single wait may be asked to last: one day. */
export const MAX_WAIT_MS = 24 * 60 * 60 * 1000;

/** The numeric options of `waitForOperation`. */
export const WaitLimitsSchema = z.strictObject({
  timeoutMs: z.number().int().positive().max(MAX_WAIT_MS).optional(),
});
