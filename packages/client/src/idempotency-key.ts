import type { CallOptions } from '@connectrpc/connect';

/** The request header (gRPC metadata) that makes a write idempotent. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Response header (or error metadata) set to `true` when the answer is the one recorded for the key. */
export const IDEMPOTENT_REPLAY_HEADER = 'hvc-idempotent-replay';

const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Whether `value` is an idempotency key: 1 to 128 printable ASCII characters without spaces. */
export function isIdempotencyKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/**
 * Call options that make a write idempotent under `key` (1 to 128 printable ASCII characters without spaces; a
 * UUID is the usual choice), merged into `options`. Sent again with the same request, the call answers what it
 * answered the first time (the same operation) and writes nothing more, whichever server replica serves it; the
 * same key with another request fails with FAILED_PRECONDITION (`IDEMPOTENCY_KEY_REUSED`). Keep the key for
 * retries of one request; use a new key for a new request.
 *
 * @example
 * ```ts
 * const key = crypto.randomUUID();
 * const { operation } = await hvc.guests.createGuest({ targetId, spec }, idempotencyKey(key));
 * ```
 * @throws RangeError when `key` is not a valid idempotency key (the key is not quoted).
 */
export function idempotencyKey(key: string, options: CallOptions = {}): CallOptions {
  if (!isIdempotencyKey(key)) {
    throw new RangeError('an idempotency key is 1 to 128 printable ASCII characters without spaces');
  }
  const headers = new Headers(options.headers);
  headers.set(IDEMPOTENCY_KEY_HEADER, key);
  return { ...options, headers };
}

/** Whether a call's answer (its response header, or a failed call's error metadata) was replayed for its key. */
export function isIdempotentReplay(header: Headers): boolean {
  return header.get(IDEMPOTENT_REPLAY_HEADER) === 'true';
}
