import { isHypervisorError } from '@hvc/hypervisor-connector';
import { abortableDelay } from '../abort/abort.js';
import { type Clock, systemClock } from '../clock/clock.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';

/** What one retry is about, for logs. */
export interface RetryAttempt {
  /** The attempt that failed, counted from 1. */
  readonly attempt: number;
  readonly error: unknown;
  /** How long until the next attempt. */
  readonly delayMs: number;
}

/** How {@link retry} tries again. */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly backoff: BackoffPolicy;
  /** Whether an error may be retried; by default a retryable UNAVAILABLE or TIMEOUT. */
  readonly retryIf?: (error: unknown) => boolean;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Called before each pause. */
  readonly onRetry?: (attempt: RetryAttempt) => void;
}

/** The default of {@link RetryOptions.retryIf}: a transient failure the contract marks retryable. */
export function isTransientError(error: unknown): boolean {
  return (
    isHypervisorError(error) && error.retryable && (error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT')
  );
}

/**
 * Runs `attempt` until it succeeds, its error may not be retried, or the attempts are used up; pauses between
 * attempts with the backoff policy. Only for calls that are safe to send again (reads, or writes with an
 * "already done" check): a write whose fate is unknown must never be re-sent blindly.
 */
export async function retry<T>(attempt: (number: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retryIf = options.retryIf ?? isTransientError;
  for (let number = 1; ; number++) {
    try {
      return await attempt(number);
    } catch (error) {
      if (number >= options.attempts || !retryIf(error)) throw error;
      const delayMs = backoffDelay(options.backoff, number);
      options.onRetry?.({ attempt: number, error, delayMs });
      await abortableDelay(delayMs, options.signal, options.clock ?? systemClock);
    }
  }
}
