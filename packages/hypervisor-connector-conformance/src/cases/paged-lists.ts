import {
  GuestIdSchema,
  type HypervisorConnector,
  iteratePages,
  type Operation,
  type OperationQueryInput,
} from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectInvalidField, fail } from '../expect-error.js';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every item of a paged list, checking that no id comes twice. */
async function collect<T>(
  fetchPage: (page: { pageToken?: string }) => Promise<{ items: readonly T[]; nextPageToken?: string }>,
  idOf: (item: T) => string,
  what: string,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of iteratePages(fetchPage)) {
    const id = idOf(item);
    if (ids.includes(id)) fail(`${what} handed out ${id} twice`);
    ids.push(id);
  }
  return ids;
}

/**
 * Lists the operations of `query` until one satisfies `seen`: a hypervisor's task index may show a task a moment
 * after it started (PVE's cluster task list is refreshed by each node), so the case allows `waitTimeoutMs`.
 */
async function listUntil(
  ctx: CaseContext,
  connector: HypervisorConnector,
  query: OperationQueryInput,
  seen: (operations: readonly Operation[]) => boolean,
  what: string,
): Promise<Operation[]> {
  const deadline = Date.now() + ctx.waitTimeoutMs;
  for (;;) {
    const operations: Operation[] = [];
    for await (const operation of iteratePages((page) => connector.listOperations({ ...query, ...page }))) {
      operations.push(operation);
    }
    if (seen(operations)) return operations;
    if (Date.now() > deadline) fail(`listOperations(${JSON.stringify(query)}) did not show ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** listGuestsPage() and listOperations(): what the pages hold, their order, their filters and their tokens. */
export const pagedListCases: readonly ConformanceCase[] = [
  {
    id: 'guests.page-cover',
    title: 'listGuestsPage() pages cover listGuests() in id order without repeats, filter included',
    needs: ['guestSpec'],
    async run(ctx) {
      const prefix = ctx.uniqueName('page');
      const made = [
        await ctx.createGuest({ name: `${prefix}-a` }),
        await ctx.createGuest({ name: `${prefix}-b` }),
      ];
      const c = ctx.connector;
      const filtered = await collect(
        (page) => c.listGuestsPage({ namePrefix: prefix, pageSize: 1, ...page }),
        (g) => g.id,
        'listGuestsPage({ namePrefix, pageSize: 1 })',
      );
      expect(filtered, 'the guests of the name prefix, page by page').toEqual(
        made.map((g) => g.id).sort(byCodeUnit),
      );
      const whole = await collect(
        (page) => c.listGuestsPage({ pageSize: 2, ...page }),
        (g) => g.id,
        'listGuestsPage({ pageSize: 2 })',
      );
      const listed = (await c.listGuests()).map((g) => g.id).sort(byCodeUnit);
      expect(whole, 'every guest of listGuests(), page by page').toEqual(listed);
      for (const id of whole) expect(GuestIdSchema.safeParse(id).success, `guest id ${id}`).toBe(true);
    },
  },
  {
    id: 'guests.page-token-foreign',
    title: 'listGuestsPage() refuses a token of another query, a made-up token and a bad page size',
    needs: ['guestSpec'],
    async run(ctx) {
      const prefix = ctx.uniqueName('token');
      await ctx.createGuest({ name: `${prefix}-a` });
      await ctx.createGuest({ name: `${prefix}-b` });
      const c = ctx.connector;
      const first = await c.listGuestsPage({ namePrefix: prefix, pageSize: 1 });
      const token = first.nextPageToken;
      if (token === undefined)
        fail('listGuestsPage({ namePrefix, pageSize: 1 }) of two guests had no next page');
      await expectInvalidField(
        c.listGuestsPage({ namePrefix: `${prefix}-a`, pageSize: 1, pageToken: token }),
        'pageToken',
        'a token of listGuestsPage({ namePrefix }) given to another name prefix',
      );
      await expectInvalidField(
        c.listGuestsPage({ pageToken: 'kit-made-up-token' }),
        'pageToken',
        'a made-up token',
      );
      await expectInvalidField(c.listGuestsPage({ pageSize: 0 }), 'pageSize', 'pageSize 0');
      const next = await c.listGuestsPage({ namePrefix: prefix, pageSize: 5, pageToken: token });
      expect(next.items.length, 'the page after the token').toBe(1);
    },
  },
  {
    id: 'operations.list',
    title: 'listOperations() shows an operation just started, newest first, by guest, type, status and start',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('operationList');
      const c = ctx.connector;
      const guest = await ctx.createGuest();
      const started = await c.startGuest(guest.id);
      const listed = await listUntil(
        ctx,
        c,
        { guestId: guest.id },
        (ops) => ops.some((o) => o.id === started.id),
        `the start of ${guest.id} (${started.id})`,
      );
      for (const operation of listed)
        expect(operation.guestId, 'an operation of the guest filter').toBe(guest.id);
      const times = listed.map((o) => Date.parse(o.startedAt));
      expect(times, 'newest first').toEqual([...times].sort((a, b) => b - a));
      const mine = listed.find((o) => o.id === started.id)!;
      expect({ type: mine.type, startedAt: Date.parse(mine.startedAt) }).toEqual({
        type: 'start',
        startedAt: Date.parse(started.startedAt),
      });
      const done = await ctx.wait(started);

      const ofType = (await c.listOperations({ guestId: guest.id, type: 'start' })).items;
      expect(
        ofType.map((o) => o.id),
        'listOperations({ guestId, type: start })',
      ).toContain(started.id);
      for (const operation of ofType) expect(operation.type).toBe('start');
      const deletes = (await c.listOperations({ guestId: guest.id, type: 'delete' })).items;
      expect(
        deletes.map((o) => o.id),
        'listOperations({ guestId, type: delete })',
      ).not.toContain(started.id);
      await listUntil(
        ctx,
        c,
        { guestId: guest.id, status: 'succeeded' },
        (ops) => ops.some((o) => o.id === done.id) && ops.every((o) => o.status === 'succeeded'),
        `the start of ${guest.id} as succeeded`,
      );
      const future = new Date(Date.now() + 24 * 3_600_000).toISOString();
      expect((await c.listOperations({ guestId: guest.id, since: future })).items, 'since tomorrow').toEqual(
        [],
      );
      const past = new Date(Date.parse(started.startedAt) - 60_000).toISOString();
      expect(
        (await c.listOperations({ guestId: guest.id, since: past })).items.map((o) => o.id),
        'since a minute before the start',
      ).toContain(started.id);
    },
  },
  {
    id: 'operations.list-paging',
    title: 'listOperations() pages without repeats and refuses a token of another query or bad filters',
    needs: ['guestSpec'],
    async run(ctx) {
      await ctx.requireCapability('operationList');
      const c = ctx.connector;
      const guest = await ctx.createGuest();
      await ctx.wait(await c.startGuest(guest.id));
      await ctx.wait(await c.stopGuest(guest.id));
      const all = await listUntil(ctx, c, { guestId: guest.id }, (ops) => ops.length >= 2, 'two operations');
      const paged = await collect(
        (page) => c.listOperations({ guestId: guest.id, pageSize: 1, ...page }),
        (o) => o.id,
        'listOperations({ guestId, pageSize: 1 })',
      );
      expect(paged, 'the operations of the guest, page by page').toEqual(all.map((o) => o.id));
      const first = await c.listOperations({ guestId: guest.id, pageSize: 1 });
      if (first.nextPageToken === undefined)
        fail('listOperations({ guestId, pageSize: 1 }) had no next page');
      await expectInvalidField(
        c.listOperations({ guestId: guest.id, type: 'stop', pageToken: first.nextPageToken }),
        'pageToken',
        'a token of listOperations({ guestId }) given to listOperations({ guestId, type })',
      );
      await expectInvalidField(c.listOperations({ status: 'done' as never }), 'status', 'an unknown status');
      await expectInvalidField(c.listOperations({ since: 'yesterday' }), 'since', 'a since that is no time');
    },
  },
];
