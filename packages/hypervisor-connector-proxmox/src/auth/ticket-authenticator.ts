import { isHypervisorError, UnauthenticatedError } from '@hvc/hypervisor-connector';
import { SingleFlight } from '@hvc/hypervisor-connector-kit';
import { PveTicketSchema } from '../schemas/access.js';
import type { PveHttp } from '../transport/pve-http.js';
import type { Authenticator } from './authenticator.js';

/** What ticket auth needs. */
export interface TicketAuthenticatorOptions {
  readonly http: PveHttp;
  readonly username: string;
  readonly password: string;
  readonly realm?: string;
  readonly otp?: string;
  /** Renew once a ticket is this old. */
  readonly renewAfterMs: number;
  readonly now: () => number;
  readonly target?: string;
}

interface Session {
  readonly ticket: string;
  readonly csrf: string;
  readonly username: string;
  readonly obtainedAt: number;
}

/** The one key of the session's single flight. */
const SESSION = 'session';
/** Tickets are accepted for 2 h after they were issued. */
const TICKET_LIFETIME_MS = 2 * 60 * 60 * 1000;
/** A ticket this close to its expiry is not relied on after a failed renewal. */
const RENEWAL_MARGIN_MS = 5 * 60 * 1000;
/** How long to wait before renewing again after a renewal failed for a transient reason. */
const RENEWAL_RETRY_MS = 60 * 1000;

/**
 * Username/password auth through `POST /access/ticket`: one login shared by every concurrent caller
 * (single-flight), proactive renewal with the ticket itself as the password once it is `renewAfterMs` old, the
 * CSRF header on writes, and a fresh login after a 401. A TOTP code is used once; after that only renewal keeps
 * the session alive.
 */
export function createTicketAuthenticator(options: TicketAuthenticatorOptions): Authenticator {
  let session: Session | undefined;
  const sessions = new SingleFlight<typeof SESSION, Session>();
  let otpUsed = false;
  /** No renewal before this time (ms) after one failed for a reason other than the credentials. */
  let renewalPausedUntil = 0;
  const targetOptions = options.target === undefined ? {} : { target: options.target };

  const requestTicket = async (params: Record<string, string>) =>
    options.http.send({ method: 'POST', path: '/access/ticket', params }, PveTicketSchema);

  const login = async (): Promise<Session> => {
    const startedAt = options.now();
    const username = options.username;
    let answer = await requestTicket({
      username,
      password: options.password,
      ...(options.realm === undefined ? {} : { realm: options.realm }),
    }).catch((error: unknown) => {
      throw loginError(error, username, targetOptions);
    });
    if (answer.NeedTFA) {
      if (options.otp === undefined) {
        throw new UnauthenticatedError(
          `${username} needs a second factor: set credentials.otp`,
          targetOptions,
        );
      }
      if (otpUsed) {
        throw new UnauthenticatedError(
          `the session of ${username} ended and its one-time password was already used: give a new one`,
          targetOptions,
        );
      }
      otpUsed = true;
      answer = await requestTicket({
        username: answer.username,
        'tfa-challenge': answer.ticket,
        password: `totp:${options.otp}`,
      }).catch((error: unknown) => {
        throw loginError(error, username, targetOptions);
      });
    }
    return toSession(answer, startedAt);
  };

  const renew = async (current: Session): Promise<Session> => {
    const startedAt = options.now();
    try {
      return toSession(
        await requestTicket({ username: current.username, password: current.ticket }),
        startedAt,
      );
    } catch (error) {
      if (isHypervisorError(error, 'UNAUTHENTICATED')) return login();
      // The ticket is still valid: keep using it, and try renewing again in a minute.
      if (startedAt - current.obtainedAt < TICKET_LIFETIME_MS - RENEWAL_MARGIN_MS) {
        renewalPausedUntil = startedAt + RENEWAL_RETRY_MS;
        return current;
      }
      throw error;
    }
  };

  /** A new session, made once for every caller that needs one meanwhile; a caller's signal abandons its wait. */
  const refresh = (make: () => Promise<Session>, signal: AbortSignal | undefined): Promise<Session> =>
    sessions.run(SESSION, async () => (session = await make()), signal);

  const current = (signal?: AbortSignal): Session | Promise<Session> => {
    if (!session || options.now() - session.obtainedAt >= TICKET_LIFETIME_MS) return refresh(login, signal);
    if (options.now() - session.obtainedAt >= options.renewAfterMs && options.now() >= renewalPausedUntil) {
      const old = session;
      return refresh(() => renew(old), signal);
    }
    return session;
  };

  return {
    kind: 'ticket',
    async headers(write, signal) {
      const { ticket, csrf } = await current(signal);
      return {
        cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}`,
        ...(write ? { csrfpreventiontoken: csrf } : {}),
      };
    },
    unauthorized(headers) {
      if (session && headers.cookie === `PVEAuthCookie=${encodeURIComponent(session.ticket)}`)
        session = undefined;
      return true;
    },
    close() {
      session = undefined;
    },
  };
}

function toSession(
  answer: { username: string; ticket: string; CSRFPreventionToken?: string | undefined },
  at: number,
) {
  return {
    ticket: answer.ticket,
    csrf: answer.CSRFPreventionToken ?? '',
    username: answer.username,
    obtainedAt: at,
  };
}

function loginError(error: unknown, username: string, options: { target?: string }): unknown {
  if (isHypervisorError(error, 'UNAUTHENTICATED')) {
    // The server's text says nothing more; the password never appears in the message.
    return new UnauthenticatedError(
      `login of ${username} failed: wrong user name, password or realm`,
      options,
    );
  }
  return error;
}
