import { z } from 'zod';

/** The page size of a list asked without one. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest page a list hands out. */
export const MAX_PAGE_SIZE = 1000;

/** Asks one page of a list. */
export const PageRequestSchema = z.strictObject({
  /** How many items at most, 1..1000; default 100. */
  pageSize: z.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  /**
   * The `nextPageToken` of the previous page of the same query; opaque. A token of another query is
   * INVALID_ARGUMENT (`pageToken`).
   */
  pageToken: z.string().min(1).max(1024).optional(),
});

/** A validated page request. */
export type PageRequest = z.output<typeof PageRequestSchema>;
/** A page request as callers write it. */
export type PageRequestInput = z.input<typeof PageRequestSchema>;
