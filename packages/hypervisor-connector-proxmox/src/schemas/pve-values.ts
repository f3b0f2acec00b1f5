import { z } from 'zod';

const NUMERIC = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** What a {@link PveReader} returns for a value that is not of its kind. */
export const INVALID: unique symbol = Symbol('invalid PVE value');

/**
 * Reads one PVE value with plain `typeof` checks (no allocation on the common path): its normalised form, or
 * {@link INVALID}. `expected` names the kind for error messages.
 */
export interface PveReader<T> {
  (value: unknown): T | typeof INVALID;
  readonly expected: string;
}

function reader<T>(expected: string, read: (value: unknown) => T | typeof INVALID): PveReader<T> {
  return Object.assign(read, { expected });
}

/**
 * A number PVE may send as a JSON number or as a numeric string (it serialises Perl scalars as they were made,
 * not as the schema says: `/cluster/nextid` is `"101"`, PVE 6 sent `vmid` and `pid` as strings).
 */
export const readPveNumber = reader('a number', (value): number | typeof INVALID => {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : INVALID;
});

/** An optional number that PVE may also send as a string, as `""` or as `null`; all three empty forms are absent. */
export const readPveOptionalNumber = reader('a number', (value): number | undefined | typeof INVALID => {
  if (typeof value === 'number') return value;
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : INVALID;
});

/** An optional API boolean: `0`/`1`, their string forms, real `true`/`false`, or PVE 6's `""` for false. */
export const readPveOptionalBoolean = reader('a boolean', (value): boolean | undefined | typeof INVALID => {
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'boolean') return value;
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? Number(value) !== 0 && value !== 'false' : INVALID;
});

/** An optional string that PVE may also send as a number; `""` and `null` are absent. */
export const readPveOptionalString = reader('a string', (value): string | undefined | typeof INVALID => {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' ? String(value) : INVALID;
});

/**
 * An optional value kept as it came, a number or a string: `memory` of a guest config (a property string since
 * PVE 8.1), a config value of `GET .../pending`.
 */
export const readNumberOrString = reader(
  'a number or a string',
  (value): number | string | undefined | typeof INVALID =>
    typeof value === 'number' || typeof value === 'string' || value === undefined ? value : INVALID,
);

/** A string that must be there. */
export const readString = reader('a string', (value): string | typeof INVALID =>
  typeof value === 'string' ? value : INVALID,
);

/** A zod schema running `read`: the typed issue names what was expected. */
function pveValue<T>(read: PveReader<T>) {
  return z.unknown().transform((value, ctx): T => {
    const result = read(value);
    if (result !== INVALID) return result;
    ctx.issues.push({ code: 'custom', message: `expected ${read.expected}`, input: value });
    return z.NEVER;
  });
}

/** {@link readPveNumber} as a zod schema. */
export const pveNumber = pveValue(readPveNumber);

/** {@link readPveOptionalNumber} as a zod schema. */
export const pveOptionalNumber = pveValue(readPveOptionalNumber).optional();

/** {@link readPveOptionalBoolean} as a zod schema. */
export const pveOptionalBoolean = pveValue(readPveOptionalBoolean).optional();

/** {@link readPveOptionalString} as a zod schema. */
export const pveOptionalString = pveValue(readPveOptionalString).optional();
