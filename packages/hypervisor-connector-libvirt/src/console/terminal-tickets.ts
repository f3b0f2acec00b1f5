import { randomBytes } from 'node:crypto';
import { RecentMap } from '../util/recent-map.js';

/** How many terminal tickets may be outstanding; the oldest are dropped first. */
const TICKETS_KEPT = 10_000;

/**
 * The terminal tickets this connector handed out: one-time, expiring, kept in this process only (a ticket is
 * redeemed with `attachTerminal` on the connector that issued it).
 */
export class TerminalTickets {
  readonly #tickets = new RecentMap<string, { readonly uuid: string; readonly expiresAt: number }>(
    TICKETS_KEPT,
  );

  /** A new ticket for guest `uuid`, valid for `ttlMs`. */
  issue(uuid: string, ttlMs: number): { readonly ticket: string; readonly expiresAt: number } {
    const now = Date.now();
    for (const [ticket, entry] of [...this.#tickets.entries()]) {
      if (entry.expiresAt <= now) this.#tickets.delete(ticket);
    }
    const ticket = randomBytes(24).toString('base64url');
    const expiresAt = now + ttlMs;
    this.#tickets.set(ticket, { uuid, expiresAt });
    return { ticket, expiresAt };
  }

  /** The guest of a valid ticket, which is used up; `undefined` for an unknown, used or expired one. */
  redeem(ticket: string): string | undefined {
    const entry = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    return entry !== undefined && entry.expiresAt > Date.now() ? entry.uuid : undefined;
  }
}
