import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';

/** What a console ticket opens. */
export interface ConsoleTicketScope {
  readonly organizationId: string;
  readonly targetId: string;
  readonly guestId: string;
}

/** A ticket to mint. */
export interface NewConsoleTicket extends ConsoleTicketScope {
  readonly protocol: string;
  /** `kind:id` of the principal minting it. */
  readonly actor: string;
  readonly now: Date;
  readonly ttlMs: number;
}

/** What a consumed ticket says. */
export interface ConsumedConsoleTicket {
  readonly actor: string;
  readonly protocol: string;
}

/** Single-use console tickets, shared by every replica through the database. */
export interface ConsoleTicketStore {
  /** Stores a new ticket and returns its token (base64url of 32 random bytes), which is not stored. */
  mint(ticket: NewConsoleTicket): Promise<{ token: string; expiresAt: Date }>;
  /**
   * Marks the ticket used, in one statement, if it exists for exactly this organisation, target and guest, is
   * unused and unexpired at `now`; `undefined` otherwise (one answer for unknown, used, expired and foreign).
   * A ticket presented on another organisation's path is left untouched.
   */
  consume(
    token: string,
    scope: ConsoleTicketScope,
    now: Date,
    replica: string,
  ): Promise<ConsumedConsoleTicket | undefined>;
  /**
   * Makes a ticket this replica consumed usable again (until it expires), for a console refused for capacity
   * after its ticket was checked; false when it was not consumed by `replica`.
   */
  release(token: string, scope: ConsoleTicketScope, replica: string): Promise<boolean>;
  /** Deletes tickets expired before `before`; returns how many. */
  purgeExpired(before: Date): Promise<number>;
}

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The row of `token`, bound to the organisation, target and guest of its path. */
const ticketOn = (token: string, scope: ConsoleTicketScope) => ({
  token_sha256: sha256(token),
  organization_id: scope.organizationId,
  target_id: scope.targetId,
  guest_id: scope.guestId,
});

/** A {@link ConsoleTicketStore} on the server's database (SQLite or PostgreSQL). */
export function createConsoleTicketStore(db: Kysely<Database>): ConsoleTicketStore {
  return {
    async mint(ticket) {
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(ticket.now.getTime() + ticket.ttlMs);
      await db
        .insertInto('console_tickets')
        .values({
          token_sha256: sha256(token),
          organization_id: ticket.organizationId,
          target_id: ticket.targetId,
          guest_id: ticket.guestId,
          protocol: ticket.protocol,
          actor: ticket.actor,
          created_at: ticket.now.toISOString(),
          expires_at: expiresAt.toISOString(),
          used_at: null,
          used_by: null,
        })
        .execute();
      return { token, expiresAt };
    },
    async consume(token, scope, now, replica) {
      const at = now.toISOString();
      const row = await db
        .updateTable('console_tickets')
        .set({ used_at: at, used_by: replica })
        .where((eb) => eb.and(ticketOn(token, scope)))
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .returning(['actor', 'protocol'])
        .executeTakeFirst();
      return row;
    },
    async release(token, scope, replica) {
      const result = await db
        .updateTable('console_tickets')
        .set({ used_at: null, used_by: null })
        .where((eb) => eb.and(ticketOn(token, scope)))
        .where('used_by', '=', replica)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async purgeExpired(before) {
      const result = await db
        .deleteFrom('console_tickets')
        .where('expires_at', '<', before.toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
