import { z } from 'zod';

/**
 * The body of a PVE error response. Old servers send `{"data":null}` (message only in the reason phrase), newer ones
 * add `message`; parameter errors carry `errors` by field. Auth failures have an empty or non-JSON body.
 */
export const PveErrorBodySchema = z.looseObject({
  data: z.null().optional(),
  message: z.string().optional(),
  errors: z.record(z.string(), z.string()).optional(),
});

/** A parsed PVE error body. */
export type PveErrorBody = z.output<typeof PveErrorBodySchema>;
