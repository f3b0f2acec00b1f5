import type { z } from 'zod';
import { InvalidArgumentError } from '../errors/error-classes.js';
import type { FieldViolation } from '../errors/hypervisor-error.js';

/**
 * Validates `input` with `schema` and returns the parsed value, or throws INVALID_ARGUMENT naming every bad field.
 * Input values never appear in the error: they may hold secrets.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const violations: FieldViolation[] = result.error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...path, printable(key)].join('.'),
        message: 'unknown field',
      }));
    }
    return [{ field: path.join('.'), message: issue.message }];
  });
  const summary = violations.map((v) => (v.field ? `${v.field}: ${v.message}` : v.message)).join('; ');
  throw new InvalidArgumentError(`invalid ${what}: ${summary}`, { violations });
}

/** Keeps a caller-chosen key readable and short in an error message: no control characters, 64 at most. */
function printable(key: string): string {
  const clean = key.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 61)}...` : clean;
}
