/**
 * How an error reaches the client:
 * - `handler`: thrown inside an API handler — JSON body `{data:null}` (+ `errors`, + `message` on PVE 9);
 * - `auth`: authentication failure before any handler — empty body;
 * - `server`: raised by the HTTP layer (unknown path, bad content type) — message as plain text body on PVE 9;
 * - `login`: failed `POST /access/ticket` — `{data:null}` without `message`;
 * - `proxy`: pveproxy could not reach the node (59x pseudo statuses) — empty body.
 */
export type PveErrorKind = 'handler' | 'auth' | 'server' | 'login' | 'proxy';

/** An error the fake answers with, carrying PVE's status code and message. */
export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly kind: PveErrorKind = 'handler',
    readonly errors?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'PveError';
  }
}

/** A 500 from a handler (not found, locked, running, already exists ...). */
export const fail = (message: string): PveError => new PveError(500, message);

/** A 400 `Parameter verification failed.` with per-parameter messages. */
export const paramError = (errors: Record<string, string>): PveError =>
  new PveError(400, 'Parameter verification failed.', 'handler', errors);

/** A 403 `Permission check failed (<path>, <privs>)`. */
export const permissionDenied = (path: string, privs: string): PveError =>
  new PveError(403, `Permission check failed (${path}, ${privs})`);
