import type { ProxmoxCredentials } from '../config/config-schema.js';
import type { PveHttp } from '../transport/pve-http.js';
import type { Authenticator } from './authenticator.js';
import { createTicketAuthenticator } from './ticket-authenticator.js';
import { createTokenAuthenticator } from './token-authenticator.js';

/** What ticket logins need besides the credentials. */
export interface LoginOptions {
  readonly http: PveHttp;
  /** Renew a ticket once it is this old. */
  readonly renewAfterMs: number;
  readonly now: () => number;
  readonly target?: string | undefined;
}

/** The authenticator of a credential: a token header, or ticket logins over `http`. */
export function authenticatorFor(credentials: ProxmoxCredentials, login: LoginOptions): Authenticator {
  if (credentials.type === 'token') return createTokenAuthenticator(credentials.tokenId, credentials.secret);
  return createTicketAuthenticator({
    http: login.http,
    username: credentials.username,
    password: credentials.password,
    ...(credentials.realm === undefined ? {} : { realm: credentials.realm }),
    ...(credentials.otp === undefined ? {} : { otp: credentials.otp }),
    renewAfterMs: login.renewAfterMs,
    now: login.now,
    ...(login.target === undefined ? {} : { target: login.target }),
  });
}
