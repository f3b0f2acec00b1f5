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

interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
  readonly input: unknown;
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
): { readonly value: Record<string, unknown> } | Problem {
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
  return z.unknown().transform((input, ctx): PveRecord<F> => {
    const result = normalise(input, entries, writes, []);
    if ('value' in result) return result.value as PveRecord<F>;
    ctx.issues.push({ code: 'custom', ...result });
    return z.NEVER;
  });
}

/**
 * A zod schema of an array of PVE records (see {@link pveRecord}): one loop, no schema run per item. `in-place`
 * is for the connector's own freshly parsed responses, so that a large listing is not held twice.
 */
export function pveRecords<F extends PveFields>(fields: F, writes: RecordWrites = 'copy') {
  const entries = Object.entries(fields);
  return z.unknown().transform((input, ctx): PveRecord<F>[] => {
    if (!Array.isArray(input)) {
      ctx.issues.push({ code: 'custom', message: 'expected an array', input });
      return z.NEVER;
    }
    const out: PveRecord<F>[] = writes === 'in-place' ? (input as PveRecord<F>[]) : new Array(input.length);
    for (let index = 0; index < input.length; index++) {
      const result = normalise(input[index], entries, writes, [index]);
      if (!('value' in result)) {
        ctx.issues.push({ code: 'custom', ...result });
        return z.NEVER;
      }
      out[index] = result.value as PveRecord<F>;
    }
    return out;
  });
}
