/** Why a request was not authenticated; used in metrics and logs, never shown with the token. */
export type AuthFailureReason =
  | 'missing_token'
  | 'malformed_header'
  | 'duplicate_header'
  | 'token_too_long'
  | 'malformed_token'
  | 'unknown_issuer'
  | 'invalid_token'
  | 'expired'
  | 'unknown_key'
  | 'jwks_unavailable'
  | 'jwks_stale'
  | 'issuer_not_ready'
  | 'invalid_service_token';

/**
 * A request failed authentication. The HTTP layer answers `status` with `WWW-Authenticate: Bearer realm="hvc"`,
 * adding `error="..."` when a token was sent. The message is generic: it never holds the token or its claims.
 */
export class AuthFailure extends Error {
  override readonly name = 'AuthFailure';
  /** 401, or 400 for a malformed request (a duplicated header). */
  readonly status: 400 | 401;

  constructor(
    readonly reason: AuthFailureReason,
    status: 400 | 401 = 401,
  ) {
    super(status === 400 ? 'the request is malformed' : 'authentication required');
    this.status = status;
  }

  /** The `WWW-Authenticate` challenge (RFC 6750). */
  get challenge(): string {
    if (this.reason === 'missing_token') return 'Bearer realm="hvc"';
    if (this.status === 400) return 'Bearer realm="hvc", error="invalid_request"';
    return 'Bearer realm="hvc", error="invalid_token"';
  }
}

/** Whether `error` is an {@link AuthFailure}. */
export function isAuthFailure(error: unknown): error is AuthFailure {
  return error instanceof AuthFailure;
}
