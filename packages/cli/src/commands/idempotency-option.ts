import type { CallOptions } from '@connectrpc/connect';
import { idempotencyKey, isIdempotencyKey } from '@hvc/client';
import { InvalidArgumentError, Option } from 'commander';

/**
 * `--idempotency-key <key>` of a write: run again with the same key, the command gets the first run's operation back
 * instead of writing twice, whichever replica answers. A flag only, never a variable: one key must not reach two
 * different writes.
 */
export function idempotencyKeyOption(): Option {
  return new Option(
    '--idempotency-key <key>',
    'make the write idempotent: repeated with the same key (e.g. a UUID) it returns the first operation and writes nothing more',
  ).argParser((value: string) => {
    if (!isIdempotencyKey(value))
      throw new InvalidArgumentError('1 to 128 printable ASCII characters without spaces.');
    return value;
  });
}

/** The call options that send a command's `--idempotency-key`; none without one. */
export function idempotencyOf(flags: Readonly<Record<string, unknown>>): CallOptions | undefined {
  return typeof flags.idempotencyKey === 'string' ? idempotencyKey(flags.idempotencyKey) : undefined;
}
