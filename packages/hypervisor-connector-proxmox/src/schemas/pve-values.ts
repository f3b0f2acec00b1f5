import { z } from 'zod';

const NUMERIC = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * A number PVE may send as a JSON number or as a numeric string (it serialises Perl scalars as they were made,
 * not as the schema says: `/cluster/nextid` is `"101"`, PVE 6 sent `vmid` and `pid` as strings).
 */
export const pveNumber = z.union([z.number(), z.string().regex(NUMERIC)]).transform((value) => Number(value));

/** An optional number that PVE may also send as a string, as `""` or as `null`; all three empty forms are absent. */
export const pveOptionalNumber = z
  .union([pveNumber, z.literal(''), z.null()])
  .optional()
  .transform((value) => (value === '' || value === null ? undefined : value));

/** An optional API boolean: `0`/`1`, their string forms, real `true`/`false`, or PVE 6's `""` for false. */
export const pveOptionalBoolean = z
  .union([z.boolean(), z.number(), z.string(), z.null()])
  .optional()
  .transform((value) => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'boolean') return value;
    return Number(value) !== 0 && value !== 'false';
  });

/** An optional string that PVE may also send as a number; `""` and `null` are absent. */
export const pveOptionalString = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === '' || value === null || value === undefined ? undefined : String(value)));
