import { CancelledError, InternalError, TimeoutError } from './error-classes.js';
import { type HypervisorError, isHypervisorError } from './hypervisor-error.js';

/**
 * Turns anything thrown into a {@link HypervisorError}: contract errors pass through unchanged, `AbortError`s
 * become CANCELLED, `TimeoutError` DOMExceptions become TIMEOUT, anything else INTERNAL with the original as `cause`.
 */
export function toHypervisorError(error: unknown, target?: string): HypervisorError {
  if (isHypervisorError(error)) return error;
  const options = { cause: error, ...(target === undefined ? {} : { target }) };
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)) {
    const name = (error as { name?: unknown }).name;
    if (name === 'AbortError') return new CancelledError('the call was aborted', options);
    if (name === 'TimeoutError') return new TimeoutError('the call timed out', options);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(message, options);
}
