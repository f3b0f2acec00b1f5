/**
 * A response body passed the size its reader allows. The reader stopped at that point and dropped the connection
 * (the request is aborted and its socket destroyed), so the rest of the body is never read.
 */
export class ResponseTooLargeError extends Error {
  /** What `transportFailure` reads: `HVC_RESPONSE_TOO_LARGE`. */
  readonly code = 'HVC_RESPONSE_TOO_LARGE';
  /** The limit that was passed, in bytes. */
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super(`the response body exceeded ${limitBytes} bytes`);
    this.name = 'ResponseTooLargeError';
    this.limitBytes = limitBytes;
  }
}
