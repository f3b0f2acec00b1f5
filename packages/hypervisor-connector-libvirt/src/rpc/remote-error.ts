import {
  AlreadyExistsError,
  CancelledError,
  ConflictError,
  type HypervisorError,
  type HypervisorErrorOptions,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  OperationFailedError,
  PermissionDeniedError,
  TimeoutError,
  UnauthenticatedError,
  UnavailableError,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';
import type { VirNetMessageError } from '../protocol/generated/virnet-protocol.gen.js';
import { LibvirtErrorCode as E, VIR_FROM_RPC } from './libvirt-error-codes.js';

/** Where an error came from, for its message and `details`. */
export interface RemoteErrorContext {
  /** The procedure that failed, e.g. `REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS`. */
  readonly procedure: string;
  /** The target (a secret-free URI) the call went to. */
  readonly target?: string;
}

const NOT_FOUND = new Set<number>([
  E.NO_DOMAIN,
  E.NO_STORAGE_POOL,
  E.NO_STORAGE_VOL,
  E.NO_DOMAIN_SNAPSHOT,
  E.NO_NETWORK,
  E.NO_NODE_DEVICE,
  E.NO_INTERFACE,
  E.NO_NWFILTER,
  E.NO_SECRET,
  E.NO_DOMAIN_METADATA,
  E.NO_NWFILTER_BINDING,
  E.NO_DOMAIN_CHECKPOINT,
  E.NO_DOMAIN_BACKUP,
  E.NO_NETWORK_PORT,
]);
const ALREADY_EXISTS = new Set<number>([
  E.DOM_EXIST,
  E.STORAGE_VOL_EXIST,
  E.NETWORK_EXIST,
  E.NETWORK_PORT_EXIST,
]);
const INVALID_ARGUMENT = new Set<number>([
  E.INVALID_ARG,
  E.XML_ERROR,
  E.XML_DETAIL,
  E.XML_INVALID_SCHEMA,
  E.INVALID_MAC,
  E.OVERFLOW,
]);
const UNAUTHENTICATED = new Set<number>([E.AUTH_FAILED, E.AUTH_CANCELLED, E.AUTH_UNAVAILABLE]);
const PERMISSION_DENIED = new Set<number>([E.OPERATION_DENIED, E.ACCESS_DENIED]);
const UNSUPPORTED = new Set<number>([
  E.NO_SUPPORT,
  E.CONFIG_UNSUPPORTED,
  E.ARGUMENT_UNSUPPORTED,
  E.OPERATION_UNSUPPORTED,
]);
/** The object is busy with something else; the same call may succeed once that ends. */
const BUSY = new Set<number>([E.RESOURCE_BUSY, E.BLOCK_COPY_ACTIVE]);

/**
 * Turns a `remote_error` from the daemon into the contract's {@link HypervisorError}: the code by the table
 * below, libvirt's own message (prefixed by nothing but itself — libvirt never puts credentials in it), and
 * `details: { libvirtCode, libvirtDomain, procedure }`. Connection-level failures (RPC, NO_CONNECT, and
 * SYSTEM_ERROR raised by libvirt's RPC layer, e.g. a peer daemon unreachable during a migration) are UNAVAILABLE
 * and retryable.
 */
export function remoteErrorToHypervisorError(
  error: VirNetMessageError,
  context: RemoteErrorContext,
): HypervisorError {
  const message = error.message ?? `libvirt error ${error.code} in ${context.procedure}`;
  const details: Record<string, unknown> = {
    libvirtCode: error.code,
    libvirtDomain: error.domain,
    procedure: context.procedure,
  };
  const options: HypervisorErrorOptions = {
    details,
    ...(context.target === undefined ? {} : { target: context.target }),
  };
  const code = error.code;
  if (NOT_FOUND.has(code)) return new NotFoundError(message, options);
  if (ALREADY_EXISTS.has(code)) return new AlreadyExistsError(message, options);
  if (INVALID_ARGUMENT.has(code)) return new InvalidArgumentError(message, options);
  if (UNAUTHENTICATED.has(code)) return new UnauthenticatedError(message, options);
  if (PERMISSION_DENIED.has(code)) return new PermissionDeniedError(message, options);
  if (UNSUPPORTED.has(code)) return new UnsupportedOperationError(context.procedure, message, options);
  if (BUSY.has(code)) return new ConflictError(message, { ...options, retryable: true });
  switch (code) {
    case E.OPERATION_INVALID:
      // The object is in the wrong state (e.g. "domain is already running"): retrying alone will not help.
      return new ConflictError(message, {
        ...options,
        retryable: false,
        details: { ...details, reason: 'wrong-state' },
      });
    case E.MIGRATE_UNSAFE:
      return new ConflictError(message, {
        ...options,
        retryable: false,
        details: {
          ...details,
          reason:
            'migration-unsafe: libvirt does not consider the disks shared storage; migrate with a storage copy ' +
            '(VIR_MIGRATE_NON_SHARED_DISK) or accept the risk (VIR_MIGRATE_UNSAFE)',
        },
      });
    case E.SNAPSHOT_REVERT_RISKY:
      return new ConflictError(message, { ...options, retryable: false });
    case E.OPERATION_TIMEOUT:
      return new TimeoutError(message, options);
    case E.OPERATION_ABORTED:
      return new CancelledError(message, options);
    case E.RPC:
    case E.NO_CONNECT:
      return new UnavailableError(message, { ...options, retryable: true });
    case E.AGENT_UNRESPONSIVE:
      return new UnavailableError(message, { ...options, retryable: true });
    case E.SYSTEM_ERROR:
      return error.domain === VIR_FROM_RPC
        ? new UnavailableError(message, { ...options, retryable: true })
        : new OperationFailedError(message, options);
    case E.INTERNAL_ERROR:
    case E.NO_MEMORY:
      return new InternalError(message, options);
    default:
      return new OperationFailedError(message, options);
  }
}
