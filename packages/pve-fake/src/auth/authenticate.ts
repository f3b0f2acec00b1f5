import { timingSafeEqual } from 'node:crypto';
import type { FakeClock } from '../clock.js';
import { PveError } from '../pve-error.js';
import type { AccessState, UserState } from '../state/access-state.js';
import type { AuthIdentity } from './permissions.js';
import type { TicketAuthority } from './tickets.js';

/** Reads the ticket from the `PVEAuthCookie` cookie (or the `Authorization: PVEAuthCookie=` fallback). */
function ticketFrom(headers: Headers): string | undefined {
  for (const part of (headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'PVEAuthCookie') return decodeURIComponent(v.join('='));
  }
  const auth = headers.get('authorization') ?? '';
  return auth.startsWith('PVEAuthCookie=')
    ? decodeURIComponent(auth.slice('PVEAuthCookie='.length))
    : undefined;
}

/** Parses `PVEAPIToken=user@realm!tokenid=secret` (a space instead of the first `=` is accepted too). */
export function parseTokenHeader(headers: Headers): { authid: string; secret: string } | undefined {
  const m = /^PVEAPIToken[= ](.+)$/.exec(headers.get('authorization') ?? '');
  if (!m) return undefined;
  const eq = m[1]!.lastIndexOf('=');
  if (eq < 0) return undefined;
  return { authid: m[1]!.slice(0, eq), secret: m[1]!.slice(eq + 1) };
}

const safeEqual = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Authenticates requests by ticket cookie (+ CSRF header on writes) or API token, with PVE's 401 texts. */
export class Authenticator {
  constructor(
    private readonly access: AccessState,
    private readonly tickets: TicketAuthority,
    private readonly clock: FakeClock,
    private readonly pveVersion: 8 | 9,
  ) {}

  private failed(legacy: string): PveError {
    return new PveError(401, this.pveVersion === 9 ? 'Authentication failed!' : legacy, 'auth');
  }

  /** Whether a user may log in / act at all (enabled, not expired). */
  userActive(user: UserState | undefined): user is UserState {
    return !!user && user.enable && (user.expire === 0 || user.expire > this.clock.nowSeconds());
  }

  /** The caller of a request, or PVE's 401. */
  authenticate(request: Request): AuthIdentity {
    const ticket = ticketFrom(request.headers);
    if (ticket !== undefined) {
      const userid = this.tickets.verifyTicket(ticket);
      if (!userid || !this.userActive(this.access.users.get(userid))) {
        throw this.failed('permission denied - invalid PVE ticket');
      }
      if (request.method !== 'GET') {
        const csrf = request.headers.get('csrfpreventiontoken');
        if (!csrf || !this.tickets.verifyCsrfToken(csrf, userid)) {
          throw new PveError(401, 'Permission denied - invalid csrf token', 'auth');
        }
      }
      return { userid, authid: userid, via: 'ticket' };
    }
    const token = parseTokenHeader(request.headers);
    if (token) {
      const [userid = '', tokenid = ''] = token.authid.split('!');
      const user = this.access.users.get(userid);
      const t = user?.tokens.get(tokenid);
      const now = this.clock.nowSeconds();
      if (
        !this.userActive(user) ||
        !t ||
        !safeEqual(t.secret, token.secret) ||
        (t.expire !== 0 && t.expire <= now)
      ) {
        throw this.failed('invalid token value!');
      }
      return { userid, tokenid, authid: token.authid, via: 'token' };
    }
    throw new PveError(401, 'No ticket', 'auth');
  }
}
