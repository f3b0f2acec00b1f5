import { Code, ConnectError } from '@connectrpc/connect';
import {
  type ErrorCode,
  type HypervisorError,
  InvalidArgumentError,
  isHypervisorError,
} from '@hvc/hypervisor-connector';
import { ErrorInfoSchema } from '../gen/google/rpc/error_details_pb.js';

/** The `google.rpc.ErrorInfo.domain` of the reasons hvc-server reports. */
export const ERROR_INFO_DOMAIN = 'hvc';

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

/**
 * Response metadata (a gRPC trailer; a Connect response header or end-of-stream metadata) set to `true` when a
 * failed write may have been applied on the hypervisor (`HypervisorError.mayHaveBeenApplied`): the client must look
 * the result up before trying again. Absent otherwise.
 */
export const MAY_HAVE_BEEN_APPLIED_METADATA = 'hvc-may-have-been-applied';

/** The metadata an error carries to the client: whether its write may have been applied. */
function metadataOf(error: HypervisorError): Headers | undefined {
  return error.mayHaveBeenApplied ? new Headers({ [MAY_HAVE_BEEN_APPLIED_METADATA]: 'true' }) : undefined;
}

/**
 * A `google.rpc.ErrorInfo` for an error whose details carry a `reason` (`IMAGE_KIND`, `GUEST_RUNNING`,
 * `IDEMPOTENCY_KEY_REUSED`, ...): the reason, and the other scalar details as metadata (details are secret-free by
 * contract). None for an error without one.
 */
function errorInfoOf(error: HypervisorError): NonNullable<ConstructorParameters<typeof ConnectError>[3]> {
  const reason = error.details?.reason;
  if (typeof reason !== 'string' || reason === '') return [];
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(error.details ?? {})) {
    if (key === 'reason') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      metadata[key] = String(value);
    }
  }
  return [{ desc: ErrorInfoSchema, value: { reason, domain: ERROR_INFO_DOMAIN, metadata } }];
}

/** The message, plus each violated field it does not name yet, so a client learns which fields to fix. */
function messageOf(error: HypervisorError): string {
  if (!(error instanceof InvalidArgumentError)) return error.message;
  const unnamed = error.violations.filter((v) => !error.message.includes(v.field));
  if (unnamed.length === 0) return error.message;
  return `${error.message} (${unnamed.map((v) => `${v.field}: ${v.message}`).join('; ')})`;
}

/**
 * The error a client sees. Contract errors keep their message (free of secrets by contract) and map to their gRPC
 * code, with {@link MAY_HAVE_BEEN_APPLIED_METADATA} when their write may have been applied and a
 * `google.rpc.ErrorInfo` when their details name a reason. Anything else becomes INTERNAL with a generic message, the original kept as `cause` for the server's log
 * only: its text may hold details the caller must not see.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isHypervisorError(error)) {
    if (error.code === 'INTERNAL')
      return new ConnectError('internal error', Code.Internal, metadataOf(error), undefined, error);
    return new ConnectError(messageOf(error), GRPC_CODE[error.code], metadataOf(error), errorInfoOf(error));
  }
  return new ConnectError('internal error', Code.Internal, undefined, undefined, error);
}
