import { CancelledError } from '@hvc/hypervisor-connector';
import { type Clock, systemClock } from '../clock/clock.js';

/** CANCELLED for a call whose signal fired, with the signal's reason as the cause. */
export function cancelled(signal: AbortSignal | undefined, message = 'the call was aborted'): CancelledError {
  return new CancelledError(message, { cause: signal?.reason });
}

/** Throws CANCELLED when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled(signal);
}

/**
 * Resolves after `ms` on `clock` (the system clock by default), or rejects with CANCELLED as soon as `signal`
 * fires. On the system clock the timer keeps the process alive, as a pending wait should.
 */
export function abortableDelay(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled(signal));
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(cancelled(signal));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `promise`, or CANCELLED as soon as `signal` fires; the promise itself goes on. Lets one caller stop waiting for
 * shared work (a login, a listing) without cancelling it for the others.
 */
export function abandonable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
