// Console tickets on both dialects: one consumption wins among concurrent ones, the binding to organisation, target
// and guest is in the statement, only the consuming replica can release a ticket again, and only the token's hash
// is stored.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openPostgresStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { usePostgres } from './support/postgres-server.js';

// Started by this file; the PostgreSQL case fails (never skips) when it cannot start.
const postgres = usePostgres();
const cipher = createCredentialCipher(randomBytes(32));

const dialects = [
  { dialect: 'sqlite', open: () => openSqliteStore(':memory:', cipher) },
  {
    dialect: 'postgres',
    open: async () => openPostgresStore(await postgres().createDatabase('hvc_console_tickets'), cipher),
  },
] as const;

describe.each(dialects)('console tickets on $dialect', ({ open }) => {
  it('are consumed once, only on their own path, and stored as a hash', async () => {
    const store: HvcStore = await open();
    try {
      await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
      await store.members.createOrganization({ id: 'globex', displayName: 'Globex' });
      const now = new Date(Date.UTC(2026, 0, 1));
      const scope = { organizationId: 'acme', targetId: 'lab', guestId: 'vm/100' };
      const { token, expiresAt } = await store.consoleTickets.mint({
        ...scope,
        protocol: 'vnc',
        actor: 'service:op',
        now,
        ttlMs: 60_000,
      });
      expect(expiresAt.getTime()).toBe(now.getTime() + 60_000);
      const rows = await store.db.selectFrom('console_tickets').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(token);

      const at = new Date(now.getTime() + 1_000);
      expect(
        await store.consoleTickets.consume(token, { ...scope, organizationId: 'globex' }, at, 'r1'),
      ).toBe(undefined);
      expect(await store.consoleTickets.consume(token, { ...scope, guestId: 'vm/101' }, at, 'r1')).toBe(
        undefined,
      );
      const attempts = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.consoleTickets.consume(token, scope, at, `r${i}`)),
      );
      expect(attempts.filter((a) => a !== undefined)).toEqual([{ actor: 'service:op', protocol: 'vnc' }]);
      const [used] = await store.db.selectFrom('console_tickets').select(['used_at', 'used_by']).execute();
      expect(used?.used_at).toBe(at.toISOString());

      // Released by the replica that consumed it (a console refused for capacity), it can be consumed again; no
      // other replica and no other path can release it.
      const winner = used!.used_by!;
      expect(await store.consoleTickets.release(token, scope, `${winner}-other`)).toBe(false);
      expect(await store.consoleTickets.release(token, { ...scope, organizationId: 'globex' }, winner)).toBe(
        false,
      );
      expect(await store.consoleTickets.consume(token, scope, at, 'r9')).toBe(undefined);
      expect(await store.consoleTickets.release(token, scope, winner)).toBe(true);
      expect(await store.consoleTickets.consume(token, scope, at, 'r9')).toEqual({
        actor: 'service:op',
        protocol: 'vnc',
      });
      expect(await store.consoleTickets.consume(token, scope, at, 'r10')).toBe(undefined);

      const late = await store.consoleTickets.mint({
        ...scope,
        protocol: 'vnc',
        actor: 'service:op',
        now,
        ttlMs: 1,
      });
      expect(await store.consoleTickets.consume(late.token, scope, at, 'r1')).toBe(undefined);
      expect(await store.consoleTickets.purgeExpired(at)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
