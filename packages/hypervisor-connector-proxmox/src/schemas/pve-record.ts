import { z } from 'zod';
import { INVALID, type PveReader } from './pve-values.js';

/** The readers of the fields of a PVE record that the connector reads. */
export type PveFields = Readonly<Record<string, PveReader<unknown>>>;

type ValueOf<R> = R extends PveReader<infer T> ? T : never;
type OptionalKeys<F> = { [K in keyof F]: undefined extends ValueOf<F[K]> ? K : never }[keyof F];
type RequiredKeys<F> = Exclude<keyof F, OptionalKeys<F>>;

/** A normalised PVE record: the fields read, plus every other member as PVE sent it. */
export type PveRecord<F extends PveFields> = { [K in RequiredKeys<F>]: ValueOf<F[K]> } & {
  [K in OptionalKeys<F>]?: ValueOf<F[K]>;
} & { [key: string]: unknown };

/** How records are normalised: into a shallow copy (the input is left alone), or in place. */
export type RecordWrites = 'copy' | 'in-place';

/** Why a record was refused: the path of the bad member and what was expected there. */
export interface RecordProblem {
  readonly path: (string | number)[];
  readonly message: string;
  readonly input: unknown;
}

/** A plain reader of a whole response body: the normalised value, or the first problem. */
export type DirectReader = (input: unknown) => { readonly value: unknown } | RecordProblem;

const directReaders = new WeakMap<z.ZodType, DirectReader>();

/**
 * The plain reader behind a schema made by {@link pveRecord} or {@link pveRecords}, for the connector's hot path
 * (it gives the same values and the same first issue as the schema, without zod's machinery around it).
 */
export function directReader(schema: z.ZodType): DirectReader | undefined {
  return directReaders.get(schema);
}

/**
 * Normalises one record: every field through its reader, the value written back only where it changes (a
 * numeric string, `""` for absent). Unknown members stay as they came. Returns a problem naming the first bad field.
 */
function normalise(
  input: unknown,
  entries: readonly (readonly [string, PveReader<unknown>])[],
  writes: RecordWrites,
  at: (string | number)[],
): { readonly value: Record<string, unknown> } | RecordProblem {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { path: at, message: 'expected an object', input };
  }
  const source = input as Record<string, unknown>;
  let target: Record<string, unknown> = source;
  for (const [key, read] of entries) {
    const value = source[key];
    const result = read(value);
    if (result === INVALID) return { path: [...at, key], message: `expected ${read.expected}`, input: value };
    if (result === value) continue;
    if (target === source && writes === 'copy') target = { ...source };
    target[key] = result;
  }
  return { value: target };
}

/**
 * A zod schema of one PVE record read with plain functions, one pass over the fields the connector reads: far
 * cheaper than an object of unions. A bad field fails with an issue whose path names it.
 */
export function pveRecord<F extends PveFields>(fields: F, writes: RecordWrites = 'copy') {
  const entries = Object.entries(fields);
  const read: DirectReader = (input) => normalise(input, entries, writes, []);
  const schema = z.unknown().transform((input, ctx): PveRecord<F> => {
    const result = read(input);
    if ('value' in result) return result.value as PveRecord<F>;
    ctx.issues.push({ code: 'custom', ...result });
    return z.NEVER;
  });
  directReaders.set(schema, read);
  return schema;
}

/**
 * The plain normaliser of one record of an array (see {@link pveRecord}), its problems' paths starting at `index`.
 */
export function recordNormaliser(fields: PveFields, writes: RecordWrites) {
  const entries = Object.entries(fields);
  return (input: unknown, index: number) => normalise(input, entries, writes, [index]);
}

/**
 * A zod schema of an array of PVE records (see {@link pveRecord}): one loop, no schema run per item. `in-place`
 * is for the connector's own freshly parsed responses, so that a large listing is not held twice.
 */
export function pveRecords<F extends PveFields>(fields: F, writes: RecordWrites = 'copy') {
  const entries = Object.entries(fields);
  const read: DirectReader = (input) => {
    if (!Array.isArray(input)) return { path: [], message: 'expected an array', input };
    const out: unknown[] = writes === 'in-place' ? input : new Array(input.length);
    for (let index = 0; index < input.length; index++) {
      const result = normalise(input[index], entries, writes, [index]);
      if (!('value' in result)) return result;
      out[index] = result.value;
    }
    return { value: out };
  };
  return directSchema<PveRecord<F>[]>(read);
}

/**
 * A zod schema around a plain reader of a whole response body (its values, its first problem as the one issue),
 * registered so that {@link directReader} finds the reader for the connector's hot path.
 */
export function directSchema<T>(read: DirectReader) {
  const schema = z.unknown().transform((input, ctx): T => {
    const result = read(input);
    if ('value' in result) return result.value as T;
    ctx.issues.push({ code: 'custom', ...result });
    return z.NEVER;
  });
  directReaders.set(schema, read);
  return schema;
}
