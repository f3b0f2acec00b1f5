import { GUEST_STATES, GUEST_TYPES, type Guest, GuestIdSchema } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { ConformanceCase } from '../conformance-case.js';
import { expectInvalidField } from '../expect-error.js';

const ids = (guests: readonly Guest[]) => guests.map((g) => g.id);

/** listGuests() with and without filters, and getGuest(). */
export const guestQueryCases: readonly ConformanceCase[] = [
  {
    id: 'guests.list-shape',
    title: 'listGuests() returns well-formed guests, each once, including a new one',
    needs: ['guestSpec'],
    async run(ctx) {
      const created = await ctx.createGuest();
      const guests = await ctx.connector.listGuests();
      expect(ids(guests)).toContain(created.id);
      expect(new Set(ids(guests)).size).toBe(guests.length);
      for (const guest of guests) {
        expect(GuestIdSchema.safeParse(guest.id).success, `guest id ${guest.id}`).toBe(true);
        expect(GUEST_TYPES).toContain(guest.type);
        expect(GUEST_STATES).toContain(guest.state);
        expect(typeof guest.template).toBe('boolean');
        expect(Array.isArray(guest.tags)).toBe(true);
        expect(guest.resources.cpus).toBeGreaterThan(0);
        expect(guest.resources.memoryBytes).toBeGreaterThan(0);
        expect(typeof guest.raw).toBe('object');
      }
    },
  },
  {
    id: 'guests.get',
    title: 'getGuest() returns the guest as listGuests() shows it',
    needs: ['guestSpec'],
    async run(ctx) {
      const created = await ctx.createGuest();
      const guest = await ctx.connector.getGuest(created.id);
      const listed = (await ctx.connector.listGuests()).find((g) => g.id === created.id);
      expect(listed).toBeDefined();
      for (const g of [guest, listed!]) {
        expect({ id: g.id, type: g.type, name: g.name, node: g.node, state: g.state }).toEqual({
          id: created.id,
          type: created.type,
          name: created.name,
          node: created.node,
          state: 'stopped',
        });
        expect(g.resources.cpus).toBe(created.resources.cpus);
        expect(g.resources.memoryBytes).toBe(created.resources.memoryBytes);
      }
    },
  },
  {
    id: 'guests.filter-type',
    title: 'listGuests({ type }) returns only guests of that type',
    needs: ['guestSpec'],
    async run(ctx) {
      const created = await ctx.createGuest();
      const other = GUEST_TYPES.find((t) => t !== created.type)!;
      const same = await ctx.connector.listGuests({ type: created.type });
      const different = await ctx.connector.listGuests({ type: other });
      expect(ids(same)).toContain(created.id);
      expect(ids(different)).not.toContain(created.id);
      expect(same.every((g) => g.type === created.type)).toBe(true);
      expect(different.every((g) => g.type === other)).toBe(true);
    },
  },
  {
    id: 'guests.filter-node',
    title: 'listGuests({ node }) returns only guests on that node',
    needs: ['guestSpec'],
    async run(ctx) {
      const nodes = await ctx.nodeNames();
      const node = nodes[nodes.length - 1]!;
      const created = await ctx.createGuest({ node });
      expect(created.node).toBe(node);
      for (const name of nodes) {
        const guests = await ctx.connector.listGuests({ node: name });
        expect(
          guests.every((g) => g.node === name),
          `guests listed for node ${name}`,
        ).toBe(true);
        expect(ids(guests).includes(created.id)).toBe(name === node);
      }
    },
  },
  {
    id: 'guests.filter-state',
    title: 'listGuests({ state }) returns only guests in that state',
    needs: ['guestSpec'],
    async run(ctx) {
      const running = await ctx.createGuest({ state: 'running' });
      const stopped = await ctx.createGuest({ state: 'stopped' });
      const listedRunning = await ctx.connector.listGuests({ state: 'running' });
      const listedStopped = await ctx.connector.listGuests({ state: 'stopped' });
      expect(listedRunning.every((g) => g.state === 'running')).toBe(true);
      expect(listedStopped.every((g) => g.state === 'stopped')).toBe(true);
      expect(ids(listedRunning)).toContain(running.id);
      expect(ids(listedRunning)).not.toContain(stopped.id);
      expect(ids(listedStopped)).toContain(stopped.id);
      expect(ids(listedStopped)).not.toContain(running.id);
    },
  },
  {
    id: 'guests.filter-tags',
    title: 'listGuests({ tags }) returns only guests carrying every tag',
    needs: ['guestSpec'],
    async run(ctx) {
      const tagA = ctx.uniqueName('a');
      const tagB = ctx.uniqueName('b');
      const both = await ctx.createGuest({ tags: [tagA, tagB] });
      const one = await ctx.createGuest({ tags: [tagA] });
      expect([...both.tags].sort()).toEqual([tagA, tagB].sort());
      const listedBoth = await ctx.connector.listGuests({ tags: [tagA, tagB] });
      const listedA = await ctx.connector.listGuests({ tags: [tagA] });
      expect(ids(listedBoth)).toEqual([both.id]);
      expect(ids(listedA).sort()).toEqual([both.id, one.id].sort());
    },
  },
  {
    id: 'guests.filter-name-prefix',
    title: 'listGuests({ namePrefix }) returns only guests whose name starts with it',
    needs: ['guestSpec'],
    async run(ctx) {
      const prefix = ctx.uniqueName('prefix');
      const first = await ctx.createGuest({ name: `${prefix}-one` });
      const second = await ctx.createGuest({ name: `${prefix}-two` });
      await ctx.createGuest();
      const listed = await ctx.connector.listGuests({ namePrefix: prefix });
      expect(ids(listed).sort()).toEqual([first.id, second.id].sort());
      expect(await ctx.connector.listGuests({ namePrefix: `${prefix}-one` })).toHaveLength(1);
    },
  },
  {
    id: 'guests.filter-pool',
    title: 'listGuests({ pool }) returns only guests of that pool',
    needs: ['guestSpec'],
    async run(ctx) {
      const unknownPool = `kitnopool${ctx.uniqueName('p').replace(/-/g, '')}`;
      expect(await ctx.connector.listGuests({ pool: unknownPool })).toEqual([]);
      const pool = ctx.fixture.pool;
      if (pool === undefined) return;
      const inPool = await ctx.createGuest({ pool });
      const outside = await ctx.createGuest();
      expect(inPool.pool).toBe(pool);
      const listed = await ctx.connector.listGuests({ pool });
      expect(listed.every((g) => g.pool === pool)).toBe(true);
      expect(ids(listed)).toContain(inPool.id);
      expect(ids(listed)).not.toContain(outside.id);
    },
  },
  {
    id: 'guests.filter-templates',
    title: 'listGuests({ templates: false }) leaves templates out; they are listed by default',
    async run(ctx) {
      const withoutTemplates = await ctx.connector.listGuests({ templates: false });
      expect(withoutTemplates.every((g) => !g.template)).toBe(true);
      if (!ctx.fixture.templateGuestId) return;
      const templateId = await ctx.fixture.templateGuestId(ctx.connector);
      expect(ids(await ctx.connector.listGuests())).toContain(templateId);
      expect(ids(await ctx.connector.listGuests({ templates: true }))).toContain(templateId);
      expect(ids(withoutTemplates)).not.toContain(templateId);
    },
  },
  {
    id: 'guests.filter-combined',
    title: 'listGuests() with several filter fields returns guests matching all of them',
    needs: ['guestSpec'],
    async run(ctx) {
      const tag = ctx.uniqueName('t');
      const running = await ctx.createGuest({ state: 'running', tags: [tag] });
      const stopped = await ctx.createGuest({ tags: [tag] });
      const listed = await ctx.connector.listGuests({ tags: [tag], state: 'running', type: running.type });
      expect(ids(listed)).toEqual([running.id]);
      expect(ids(await ctx.connector.listGuests({ tags: [tag], state: 'stopped' }))).toEqual([stopped.id]);
    },
  },
  {
    id: 'guests.filter-invalid',
    title: 'listGuests() with an invalid filter throws INVALID_ARGUMENT naming the field',
    async run({ connector }) {
      await expectInvalidField(connector.listGuests({ state: 'on' as never }), 'state', 'state: "on"');
      await expectInvalidField(
        connector.listGuests({ colour: 'red' } as never),
        'colour',
        'an unknown filter field',
      );
      await expectInvalidField(connector.listGuests({ tags: 'a' as never }), 'tags', 'tags as a string');
    },
  },
];
