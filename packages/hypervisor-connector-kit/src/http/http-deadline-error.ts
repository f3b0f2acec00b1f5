/**
 * The answer's headers did not come, or its body stalled, within a request's deadline: what a transport without
 * undici's own timers (a `fetch`) throws, classified as `deadline` by `transportFailure` like undici's timeouts.
 */
export class HttpDeadlineError extends Error {
  /** What `transportFailure` reads: `HVC_HTTP_DEADLINE`. */
  readonly code = 'HVC_HTTP_DEADLINE';

  constructor(phase: 'headers' | 'body', timeoutMs: number) {
    super(`no response ${phase === 'headers' ? 'headers' : 'body data'} within ${timeoutMs} ms`);
    this.name = 'HttpDeadlineError';
  }
}
