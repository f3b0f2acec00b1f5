/** A login kept for one server: its tokens and where they came from. Never printed, never logged. */
export interface StoredLogin {
  /** The server's base URL: the key it is stored under. */
  readonly server: string;
  readonly accessToken: string;
  /** When the access token expires (ms since the epoch); unknown for a token given with `--with-token`. */
  readonly expiresAt?: number;
  readonly refreshToken?: string;
  /** The issuer, client and audience it was obtained from, to refresh and revoke it. Absent for `--with-token`. */
  readonly issuer?: string;
  readonly clientId?: string;
  readonly audience?: string;
  /** Who logged in (the ID token's `sub`, and a name or email when it has one), for `hvc login` and `context`. */
  readonly subject?: string;
  readonly name?: string;
}

/** Whether `value` has the shape of a {@link StoredLogin} (a file edited by hand or written by another version). */
export function isStoredLogin(value: unknown): value is StoredLogin {
  if (typeof value !== 'object' || value === null) return false;
  const login = value as Record<string, unknown>;
  return typeof login.server === 'string' && typeof login.accessToken === 'string';
}
