import { type ErrorCode, RETRYABLE_BY_DEFAULT } from './error-codes.js';

const MARKER = Symbol.for('hvc.hypervisor-error');

/** A problem with one input field, as carried by INVALID_ARGUMENT errors. */
export interface FieldViolation {
  /** Dotted path of the field, e.g. `disks.0.sizeGiB`; empty for the input as a whole. */
  readonly field: string;
  /** What is wrong with it. */
  readonly message: string;
}

/** Options shared by every {@link HypervisorError}. */
export interface HypervisorErrorOptions {
  /** Overrides the code's default retry advice. */
  readonly retryable?: boolean;
  /** The underlying error. Never put secrets in it. */
  readonly cause?: unknown;
  /** The target (hypervisor endpoint or cluster) the error came from. */
  readonly target?: string;
  /** The operation the error belongs to, when there is one. */
  readonly operationId?: string;
  /** Structured, secret-free details: field violations, the missing privilege, the provider's status code, ... */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * The call was a write whose request reached the hypervisor (or may have) before it failed: a timeout, an abort
   * or a lost connection after the request was sent, a proxy error after the body went out. The change may have
   * been made. Such an error is not retryable unless `retryable` says so: look the result up first (by name, by the
   * operation list, or by the idempotency key the write carried).
   */
  readonly mayHaveBeenApplied?: boolean;
}

/** The JSON form of a {@link HypervisorError}. */
export interface HypervisorErrorJson {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly target?: string;
  readonly operationId?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly mayHaveBeenApplied?: boolean;
}

/**
 * The one error type of the contract. Every connector throws it (or a subclass) with a stable {@link ErrorCode}.
 * Use {@link isHypervisorError} rather than `instanceof`: it also recognises errors made by another copy of
 * this package.
 */
export class HypervisorError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Whether trying the same call again later may succeed. */
  readonly retryable: boolean;
  /** The target the error came from. */
  readonly target?: string;
  /** The operation the error belongs to. */
  readonly operationId?: string;
  /** Structured, secret-free details. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Whether a write may have been applied although the call failed; see {@link HypervisorErrorOptions}. */
  readonly mayHaveBeenApplied: boolean;

  constructor(code: ErrorCode, message: string, options: HypervisorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HypervisorError';
    this.code = code;
    this.mayHaveBeenApplied = options.mayHaveBeenApplied === true;
    // A write that may have been applied is never blindly retryable: it must be looked up first.
    this.retryable = options.retryable ?? (!this.mayHaveBeenApplied && RETRYABLE_BY_DEFAULT.has(code));
    if (options.target !== undefined) this.target = options.target;
    if (options.operationId !== undefined) this.operationId = options.operationId;
    if (options.details !== undefined) this.details = options.details;
    Object.defineProperty(this, MARKER, { value: true, enumerable: false });
  }

  /** Whether `error` is a {@link HypervisorError}, from this or any other copy of the package. */
  static isInstance(error: unknown): error is HypervisorError {
    return isHypervisorError(error);
  }

  /** A secret-free plain object, for logs and wire formats. */
  toJSON(): HypervisorErrorJson {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.target === undefined ? {} : { target: this.target }),
      ...(this.operationId === undefined ? {} : { operationId: this.operationId }),
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.mayHaveBeenApplied ? { mayHaveBeenApplied: true } : {}),
    };
  }
}

/**
 * Whether `error` is a {@link HypervisorError} — across duplicate copies of this package, where `instanceof` fails.
 * With `code`, also whether it carries that code.
 */
export function isHypervisorError(error: unknown, code?: ErrorCode): error is HypervisorError {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as Record<symbol, unknown>)[MARKER] !== true) return false;
  return code === undefined || (error as HypervisorError).code === code;
}
