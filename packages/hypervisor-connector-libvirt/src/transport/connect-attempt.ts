import { CancelledError, type HypervisorError, UnavailableError } from '@hvc/hypervisor-connector';

/** What every transport's connect function receives. */
export interface ConnectContext {
  /** Secret-free name of the peer, for errors. */
  readonly target: string;
  /** Fires when the caller aborts or the connect timeout passes; the attempt must then clean up and reject. */
  readonly signal: AbortSignal;
}

/**
 * Runs one connection attempt under a deadline and the caller's signal. `attempt` gets a signal that fires on
 * either; when it fires the attempt is abandoned and the promise rejects with UNAVAILABLE (timeout, retryable)
 * or CANCELLED (caller). `cleanup` releases whatever the attempt had opened.
 */
export async function connectWithin<T>(
  target: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  attempt: (context: ConnectContext) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let failure: HypervisorError | undefined;
  const timer = setTimeout(() => {
    failure = new UnavailableError(
      `${target}: timed out after ${timeoutMs} ms connecting to the libvirt daemon`,
      {
        retryable: true,
        details: { connectTimeoutMs: timeoutMs },
      },
    );
    controller.abort(failure);
  }, timeoutMs);
  const onAbort = (): void => {
    failure = new CancelledError(`${target}: connecting was aborted`, { cause: signal?.reason });
    controller.abort(failure);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (failure !== undefined) throw failure;
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(failure), { once: true });
    });
    return await Promise.race([attempt({ target, signal: controller.signal }), aborted]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
