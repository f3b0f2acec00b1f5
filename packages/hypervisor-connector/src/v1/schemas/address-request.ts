import { z } from 'zod';
import { ADDRESS_SOURCES } from '../model/guest-addresses.js';

/** Which sources `getGuestAddresses` asks; every source the connector has when absent. */
export const AddressRequestSchema = z.strictObject({
  sources: z
    .array(z.enum(ADDRESS_SOURCES))
    .min(1)
    .max(ADDRESS_SOURCES.length)
    .refine((sources) => new Set(sources).size === sources.length, 'each source at most once')
    .optional(),
});

/** A validated address request. */
export type AddressRequest = z.output<typeof AddressRequestSchema>;
/** An address request as callers write it. */
export type AddressRequestInput = z.input<typeof AddressRequestSchema>;
