/**
 * The stable error codes of the contract. They line up with gRPC status codes so a server maps them 1:1:
 * NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION (CONFLICT), PERMISSION_DENIED, UNAUTHENTICATED,
 * INVALID_ARGUMENT, UNAVAILABLE, DEADLINE_EXCEEDED (TIMEOUT), CANCELLED, UNIMPLEMENTED (UNSUPPORTED),
 * ABORTED (OPERATION_FAILED) and INTERNAL.
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'INVALID_ARGUMENT',
  'UNAVAILABLE',
  'TIMEOUT',
  'CANCELLED',
  'UNSUPPORTED',
  'OPERATION_FAILED',
  'INTERNAL',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes whose errors are worth retrying by default: the cause is expected to pass (a lock, an outage, a deadline). */
export const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFLICT',
  'UNAVAILABLE',
  'TIMEOUT',
]);

/** Whether `value` is one of the contract's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
