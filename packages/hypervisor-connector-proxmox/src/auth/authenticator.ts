/** Supplies the auth headers of each request and recovers from a 401 where it can. */
export interface Authenticator {
  readonly kind: 'token' | 'ticket';
  /** Headers for one request; `write` adds the CSRF header ticket auth needs on POST/PUT/DELETE. May log in. */
  headers(write: boolean, signal?: AbortSignal): Promise<Readonly<Record<string, string>>>;
  /**
   * Called when a request carrying `headers` got 401. Returns whether a retry with fresh headers may succeed
   * (a ticket can be replaced; a token cannot).
   */
  unauthorized(headers: Readonly<Record<string, string>>): boolean;
  /** Forgets any session state. */
  close(): void;
}
