import { z } from 'zod';
import { OPERATION_STATUSES, OPERATION_TYPES } from '../model/operation.js';
import { GuestIdSchema } from './identifiers.js';
import { PageRequestSchema } from './paging.js';
import { GuestFilterSchema } from './queries.js';

/**
 * Asks a page of `listGuestsPage`, ordered by id: the filter of `listGuests` and the paging fields. Every present
 * field must match.
 */
export const GuestPageQuerySchema = PageRequestSchema.extend(GuestFilterSchema.shape);
/** A validated guest page query. */
export type GuestPageQuery = z.output<typeof GuestPageQuerySchema>;
/** A guest page query as callers write it. */
export type GuestPageQueryInput = z.input<typeof GuestPageQuerySchema>;

/**
 * Asks a page of `listOperations`, newest first (by `startedAt`, then by id). Every present field must match. What
 * the list holds depends on the connector: the hypervisor's recent task list where it keeps one, else the operations
 * the connector's process knows (its README says which).
 */
export const OperationQuerySchema = PageRequestSchema.extend({
  /** Operations on this guest (for create and clone, the new guest). */
  guestId: GuestIdSchema.optional(),
  /** Operations of this type. */
  type: z.enum(OPERATION_TYPES).optional(),
  /** Operations in this state now. */
  status: z.enum(OPERATION_STATUSES).optional(),
  /** Operations started at or after this time: ISO 8601 with a zone (`2026-12-05T00:00:00Z`). */
  since: z.iso.datetime({ offset: true }).optional(),
});
/** A validated operation query. */
export type OperationQuery = z.output<typeof OperationQuerySchema>;
/** An operation query as callers write it. */
export type OperationQueryInput = z.input<typeof OperationQuerySchema>;
