import { createHmac, randomBytes } from 'node:crypto';
import type { FakeClock } from '../clock.js';

/** Tickets are valid for 2 hours after their timestamp and from 5 minutes before it. */
export const TICKET_LIFETIME_S = 2 * 3600;
const GRACE_S = 300;

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');

/** Issues and verifies `PVE:<user>:<hextime>::<signature>` tickets and CSRF prevention tokens. */
export class TicketAuthority {
  #key = randomBytes(32);

  constructor(private readonly clock: FakeClock) {}

  private sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64');
  }

  /** A new ticket for a user id. */
  issueTicket(userid: string): string {
    const plain = `PVE:${userid.replace(/:/g, '%3A')}:${hex8(this.clock.nowSeconds())}`;
    return `${plain}::${this.sign(plain)}`;
  }

  /** A CSRF prevention token bound to the user (`<hextime>:<base64 HMAC without padding>`). */
  issueCsrfToken(userid: string): string {
    const t = hex8(this.clock.nowSeconds());
    return `${t}:${this.sign(`csrf:${t}:${userid}`).replace(/=+$/, '')}`;
  }

  private fresh(hexTime: string): boolean {
    const t = Number.parseInt(hexTime, 16);
    const now = this.clock.nowSeconds();
    return Number.isFinite(t) && now - t <= TICKET_LIFETIME_S && t - now <= GRACE_S;
  }

  /** The user id of a valid, unexpired ticket; undefined otherwise. */
  verifyTicket(ticket: string): string | undefined {
    const m = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    if (!m || this.sign(m[1]!) !== m[4] || !this.fresh(m[3]!)) return undefined;
    return m[2]!.replace(/%3A/g, ':');
  }

  /** Whether a CSRF token is valid for the user. */
  verifyCsrfToken(token: string, userid: string): boolean {
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    return !!m && this.sign(`csrf:${m[1]}:${userid}`).replace(/=+$/, '') === m[2] && this.fresh(m[1]!);
  }

  /** Rotates the signing key: every ticket and CSRF token issued so far stops working. */
  expireAll(): void {
    this.#key = randomBytes(32);
  }
}
