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
 * Calls `onAbort` once when `signal` fires, until the returned function is called; that one removes the listener and
 * lets go of `onAbort`. For a listener whose closure reaches a result yet to come (a promise's `resolve`, an answer
 * being read): V8's young-generation collector has been seen to keep such a closure reachable after its listener was
 * removed (a full collection does not), and with it every result it reached, promoted and freed only by a full
 * mark-compact. What the signal holds here is a closure over one cleared cell, so a removed listener keeps nothing.
 */
export function listenForAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let pending: (() => void) | undefined = onAbort;
  const listener = () => {
    const call = pending;
    pending = undefined;
    call?.();
  };
  signal.addEventListener('abort', listener, { once: true });
  return () => {
    pending = undefined;
    signal.removeEventListener('abort', listener);
  };
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
    const stop = listenForAbort(signal, () => reject(cancelled(signal)));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}
