import { Code, ConnectError } from '@connectrpc/connect';
import {
  type ErrorCode,
  type HypervisorError,
  InvalidArgumentError,
  isHypervisorError,
} from '@hvc/hypervisor-connector';

/** The gRPC code of each contract error code: a 1:1 mapping. */
export const GRPC_CODE: Readonly<Record<ErrorCode, Code>> = {
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  CONFLICT: Code.FailedPrecondition,
  PERMISSION_DENIED: Code.PermissionDenied,
  UNAUTHENTICATED: Code.Unauthenticated,
  INVALID_ARGUMENT: Code.InvalidArgument,
  UNAVAILABLE: Code.Unavailable,
  TIMEOUT: Code.DeadlineExceeded,
  CANCELLED: Code.Canceled,
  UNSUPPORTED: Code.Unimplemented,
  OPERATION_FAILED: Code.Aborted,
  INTERNAL: Code.Internal,
};

/** The message, plus each violated field it does not name yet, so a client learns which fields to fix. */
function messageOf(error: HypervisorError): string {
  if (!(error instanceof InvalidArgumentError)) return error.message;
  const unnamed = error.violations.filter((v) => !error.message.includes(v.field));
  if (unnamed.length === 0) return error.message;
  return `${error.message} (${unnamed.map((v) => `${v.field}: ${v.message}`).join('; ')})`;
}

/**
 * The error a client sees. Contract errors keep their message (free of secrets by contract) and map to their gRPC
 * code. Anything else becomes INTERNAL with a generic message, the original kept as `cause` for the server's log
 * only: its text may hold details the caller must not see.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isHypervisorError(error)) {
    if (error.code === 'INTERNAL')
      return new ConnectError('internal error', Code.Internal, undefined, undefined, error);
    return new ConnectError(messageOf(error), GRPC_CODE[error.code]);
  }
  return new ConnectError('internal error', Code.Internal, undefined, undefined, error);
}
