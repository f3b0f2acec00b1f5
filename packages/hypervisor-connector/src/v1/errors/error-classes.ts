import type { ErrorCode } from './error-codes.js';
import {
  type FieldViolation,
  HypervisorError,
  type HypervisorErrorOptions,
  isHypervisorError,
} from './hypervisor-error.js';

/**
 * Declares a subclass of {@link HypervisorError} bound to one code. `isInstance` checks the code, so it works
 * across duplicate copies of the package just as {@link isHypervisorError} does.
 */
function errorClass<C extends ErrorCode>(code: C, name: string) {
  const ErrorForCode = class extends HypervisorError {
    declare readonly code: C;
    constructor(message: string, options: HypervisorErrorOptions = {}) {
      super(code, message, options);
      this.name = name;
    }
    static override isInstance(error: unknown): error is HypervisorError & { readonly code: C } {
      return isHypervisorError(error, code);
    }
  };
  Object.defineProperty(ErrorForCode, 'name', { value: name });
  return ErrorForCode;
}

/** The guest, node, snapshot, operation or target does not exist (or is invisible to the caller). */
export class NotFoundError extends errorClass('NOT_FOUND', 'NotFoundError') {}
/** Something with that identity already exists. */
export class AlreadyExistsError extends errorClass('ALREADY_EXISTS', 'AlreadyExistsError') {}
/** The resource is locked or in the wrong state for the call; retryable by default. */
export class ConflictError extends errorClass('CONFLICT', 'ConflictError') {}
/** The credential is valid but lacks a privilege; `details.privilege` names it when known. */
export class PermissionDeniedError extends errorClass('PERMISSION_DENIED', 'PermissionDeniedError') {}
/** The credential is missing, wrong or expired. */
export class UnauthenticatedError extends errorClass('UNAUTHENTICATED', 'UnauthenticatedError') {}
/** The target cannot be reached or is overloaded; retryable by default. */
export class UnavailableError extends errorClass('UNAVAILABLE', 'UnavailableError') {}
/** A deadline passed before the call or the wait completed. */
export class TimeoutError extends errorClass('TIMEOUT', 'TimeoutError') {}
/** The caller aborted the call (its `AbortSignal` fired) or the operation was cancelled. */
export class CancelledError extends errorClass('CANCELLED', 'CancelledError') {}
/** Something broke that is nobody's input: a bug, or a response the connector cannot understand. */
export class InternalError extends errorClass('INTERNAL', 'InternalError') {}

/** An input failed validation. `violations` (also in `details.violations`) names each bad field. */
export class InvalidArgumentError extends errorClass('INVALID_ARGUMENT', 'InvalidArgumentError') {
  /** Each bad field and what is wrong with it. */
  readonly violations: readonly FieldViolation[];

  constructor(
    message: string,
    options: HypervisorErrorOptions & { violations?: readonly FieldViolation[] } = {},
  ) {
    const violations = options.violations ?? [];
    super(message, { ...options, details: { ...options.details, violations } });
    this.violations = violations;
  }
}

/** The connector (or this target, or this credential) cannot do what was asked. Nothing was changed. */
export class UnsupportedOperationError extends errorClass('UNSUPPORTED', 'UnsupportedOperationError') {
  /** The capability that is missing, e.g. `snapshots` or `clone.linked`. */
  readonly capability: string;

  constructor(capability: string, message?: string, options: HypervisorErrorOptions = {}) {
    super(message ?? `unsupported: ${capability}`, {
      ...options,
      details: { ...options.details, capability },
    });
    this.capability = capability;
  }
}

/** An operation ran and failed on the hypervisor; `operationId` names it and `details.log` may hold its tail. */
export class OperationFailedError extends errorClass('OPERATION_FAILED', 'OperationFailedError') {}
