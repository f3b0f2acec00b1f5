import { InvalidArgumentError, parseInput } from '@hvc/hypervisor-connector';
import type { z } from 'zod';

/** Rewrites the leading segments of a contract field path where the proto spells the field differently. */
export type FieldRenames = Readonly<Record<string, string>>;

/** `memoryMiB` → `memory_mib`, `sshAuthorizedKeys` → `ssh_authorized_keys`: the proto name of a contract field. */
function snakeCase(segment: string): string {
  return segment
    .replace(/([MG])iB$/, (_, unit: string) => `_${unit.toLowerCase()}ib`)
    .replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The proto field path of a contract field path: `cloudInit.sshAuthorizedKeys.0` → `cloud_init.ssh_authorized_keys[0]`.
 * `renames` maps a contract path prefix to its proto spelling first (`source` → `image`).
 */
export function protoFieldPath(path: string, renames: FieldRenames = {}): string {
  let rest = path;
  for (const [from, to] of Object.entries(renames)) {
    if (rest === from || rest.startsWith(`${from}.`)) {
      rest = to + rest.slice(from.length);
      break;
    }
  }
  if (rest === '') return rest;
  return rest
    .split('.')
    .map((segment, index) =>
      /^\d+$/.test(segment) ? `[${segment}]` : `${index === 0 ? '' : '.'}${snakeCase(segment)}`,
    )
    .join('');
}

/**
 * Like the contract's `parseInput`, but an INVALID_ARGUMENT names each bad field as the request spells it: under
 * `root` (the request field holding the input), in snake_case, list indexes in brackets. No input value appears in
 * the error: it may hold a secret (a cloud-init password).
 */
export function parseProtoInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root: string,
  renames: FieldRenames = {},
): z.output<S> {
  try {
    return parseInput(schema, input, root);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const violations = error.violations.map((v) => {
      const field = protoFieldPath(v.field, renames);
      return {
        field:
          root === '' ? field : field === '' ? root : `${root}${field.startsWith('[') ? '' : '.'}${field}`,
        message: v.message,
      };
    });
    const summary = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
    throw new InvalidArgumentError(`invalid ${root === '' ? 'request' : root}: ${summary}`, { violations });
  }
}
