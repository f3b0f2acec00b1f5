import {
  CancelledError,
  type HypervisorError,
  type Operation,
  OperationFailedError,
  TimeoutError,
} from '@hvc/hypervisor-connector';

/** Where an operation's errors come from. */
export interface OperationOrigin {
  readonly operationId: string;
  readonly target?: string;
}

function errorOptions(origin: OperationOrigin): { operationId: string; target?: string } {
  return origin.target === undefined
    ? { operationId: origin.operationId }
    : { operationId: origin.operationId, target: origin.target };
}

/**
 * The error `waitForOperation` throws for an operation that ended without succeeding: CANCELLED for a cancelled
 * one, OPERATION_FAILED (not retryable) with the operation's message for a failed one.
 */
export function endedOperationError(
  operation: Operation,
  origin: OperationOrigin,
  details: Readonly<Record<string, unknown>> = {},
): HypervisorError {
  const message = operation.error?.message;
  if (operation.status === 'cancelled') {
    return new CancelledError(
      `operation ${origin.operationId} was cancelled${message ? `: ${message}` : ''}`,
      errorOptions(origin),
    );
  }
  return new OperationFailedError(`operation ${origin.operationId} failed: ${message ?? 'no reason given'}`, {
    ...errorOptions(origin),
    retryable: false,
    details: {
      type: operation.type,
      ...(operation.guestId === undefined ? {} : { guestId: operation.guestId }),
      ...(operation.error === undefined ? {} : { errorCode: operation.error.code }),
      ...details,
    },
  });
}

/** TIMEOUT for a wait that reached its deadline; the operation goes on. */
export function waitTimedOut(timeoutMs: number, origin: OperationOrigin): TimeoutError {
  return new TimeoutError(
    `operation ${origin.operationId} did not end within ${timeoutMs} ms; it keeps running`,
    errorOptions(origin),
  );
}

/** CANCELLED for a wait whose signal fired; the operation goes on. */
export function waitAborted(signal: AbortSignal | undefined, origin: OperationOrigin): CancelledError {
  return new CancelledError('the wait was aborted; the operation keeps running', {
    ...errorOptions(origin),
    cause: signal?.reason,
  });
}
