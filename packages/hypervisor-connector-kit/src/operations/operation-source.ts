import type { Operation } from '@hvc/hypervisor-connector';

/** How a waiter reads one operation. */
export interface OperationSource {
  /**
   * Reads the operation once. Errors end the wait (NOT_FOUND, UNAVAILABLE, ...), so a source that must tolerate a
   * transient miss (a task not listed yet) handles it here.
   */
  poll(signal: AbortSignal): Promise<Operation>;
  /**
   * For sources that are told of changes (an in-process runner, hypervisor events): calls `onChange` whenever the
   * operation may have changed, and returns the function that stops it. The waiter then reads again at once.
   */
  subscribe?(onChange: () => void): () => void;
  /** Extra details for the OPERATION_FAILED error of a failed operation (e.g. the tail of a task log). */
  failureDetails?(operation: Operation, signal: AbortSignal): Promise<Readonly<Record<string, unknown>>>;
}

/** What a change to an operation is made of: a wait reports a snapshot when one of these differs from the last. */
export function operationFingerprint(operation: Operation): string {
  return JSON.stringify([
    operation.status,
    operation.progress,
    operation.endedAt,
    operation.warnings,
    operation.error?.code,
    operation.error?.message,
  ]);
}
