import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError } from '../expect-error.js';
import { expectStartedOperation } from './lifecycle.js';

/** Two distinct nodes of the target, or a skip when it has one. */
async function twoNodes(ctx: CaseContext): Promise<[string, string]> {
  const nodes = await ctx.nodeNames();
  if (nodes.length < 2) ctx.skip('the target has a single node');
  return [nodes[0]!, nodes[1]!];
}

/** Moving guests between nodes. */
export const migrationCases: readonly ConformanceCase[] = [
  {
    id: 'migration.offline',
    title: 'migrateGuest() of a stopped guest moves it to the target node',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('migration.offline');
      const [from, to] = await twoNodes(ctx);
      const guest = await ctx.createGuest({ node: from });
      const operation = await ctx.connector.migrateGuest(guest.id, { targetNode: to, online: false });
      expectStartedOperation(operation, 'migrate', guest.id);
      await ctx.wait(operation);
      const after = await ctx.connector.getGuest(guest.id);
      expect(after.node).toBe(to);
      expect(after.state).toBe('stopped');
      expect((await ctx.connector.listGuests({ node: to })).map((g) => g.id)).toContain(guest.id);
    },
  },
  {
    id: 'migration.live',
    title: 'migrateGuest({ online: true }) of a running guest moves it and keeps it running',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('migration.live');
      const [from, to] = await twoNodes(ctx);
      const guest = await ctx.createGuest({ node: from, state: 'running' });
      await ctx.wait(await ctx.connector.migrateGuest(guest.id, { targetNode: to, online: true }));
      const after = await ctx.connector.getGuest(guest.id);
      expect(after.node).toBe(to);
      expect(after.state).toBe('running');
    },
  },
  {
    id: 'migration.unknown-node',
    title: 'migrateGuest() to a node the target does not have is refused and the guest stays',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('migration.offline');
      const guest = await ctx.createGuest();
      await expectError(
        ctx.connector.migrateGuest(guest.id, { targetNode: 'kit-no-such-node', online: false }),
        'NOT_FOUND',
        'a migration to an unknown node',
      );
      expect((await ctx.connector.getGuest(guest.id)).node).toBe(guest.node);
    },
  },
];
