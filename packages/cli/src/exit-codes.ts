import { Code, type ConnectError } from '@connectrpc/connect';

/**
 * The exit codes of `hvc`, one per kind of failure, stable across releases so scripts can branch on them. API
 * errors map from their gRPC code; an operation waited on that ends failed or cancelled exits as ABORTED or
 * CANCELLED would.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** An error with no code of its own (UNKNOWN, INTERNAL, DATA_LOSS, or a local failure). */
  error: 1,
  /** A usage error: an unknown command or flag, a missing or bad argument, no server configured. */
  usage: 2,
  /** INVALID_ARGUMENT or OUT_OF_RANGE: the server refused the input. */
  invalidArgument: 3,
  /** UNAUTHENTICATED: not logged in, the login expired, or the token was refused. */
  unauthenticated: 4,
  /** PERMISSION_DENIED: the role is too low, or the user is disabled. */
  permissionDenied: 5,
  /** NOT_FOUND (also another organisation's resource). */
  notFound: 6,
  /** ALREADY_EXISTS. */
  alreadyExists: 7,
  /** FAILED_PRECONDITION: a lock, or a state that does not allow the call. */
  failedPrecondition: 8,
  /** ABORTED, or an operation waited on that failed. */
  operationFailed: 9,
  /** CANCELLED, or an operation waited on that was cancelled. */
  cancelled: 10,
  /** UNAVAILABLE: the server or the hypervisor cannot be reached. */
  unavailable: 11,
  /** DEADLINE_EXCEEDED. */
  deadlineExceeded: 12,
  /** UNIMPLEMENTED: the target lacks the capability, or the server the call. */
  unimplemented: 13,
  /** RESOURCE_EXHAUSTED: a limit or quota was hit. */
  resourceExhausted: 14,
  /** Interrupted with Ctrl+C while waiting (the operation itself goes on). */
  interrupted: 130,
} as const;

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CODE: Readonly<Partial<Record<Code, ExitCode>>> = {
  [Code.InvalidArgument]: EXIT.invalidArgument,
  [Code.OutOfRange]: EXIT.invalidArgument,
  [Code.Unauthenticated]: EXIT.unauthenticated,
  [Code.PermissionDenied]: EXIT.permissionDenied,
  [Code.NotFound]: EXIT.notFound,
  [Code.AlreadyExists]: EXIT.alreadyExists,
  [Code.FailedPrecondition]: EXIT.failedPrecondition,
  [Code.Aborted]: EXIT.operationFailed,
  [Code.Canceled]: EXIT.cancelled,
  [Code.Unavailable]: EXIT.unavailable,
  [Code.DeadlineExceeded]: EXIT.deadlineExceeded,
  [Code.Unimplemented]: EXIT.unimplemented,
  [Code.ResourceExhausted]: EXIT.resourceExhausted,
};

/** The exit code for an API error's gRPC code. */
export function exitCodeOf(error: ConnectError): ExitCode {
  return BY_CODE[error.code] ?? EXIT.error;
}
