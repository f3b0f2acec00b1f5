import {
  FULL_CAPABILITIES,
  type Guest,
  type GuestFilter,
  type HypervisorConnector,
  iteratePages,
  type Operation,
} from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { defineConnector, operationPageKey, operationPageOf, wrapConnector } from '../src/index.js';
import { recording } from './support/recording-implementation.js';
import { rejection } from './support/rejection.js';

const guest = (id: string, node = 'n1'): Guest => ({
  id,
  type: 'vm',
  name: `g-${id.replace('/', '-')}`,
  node,
  state: 'running',
  template: false,
  tags: [],
  resources: { cpus: 1, memoryBytes: 1 },
  raw: {},
});

const operation = (id: string, startedAt: string, changes: Partial<Operation> = {}): Operation => ({
  id,
  type: 'start',
  status: 'running',
  startedAt,
  ...changes,
});

describe('listGuestsPage of defineConnector', () => {
  it('pages the implementation’s listGuests by id, handing it the filter without the paging fields', async () => {
    const filters: GuestFilter[] = [];
    const guests = ['vm/105', 'vm/101', 'vm/103', 'vm/102', 'vm/104'].map((id) => guest(id));
    const connector = defineConnector(
      recording({
        listGuests: async (filter) => {
          filters.push(filter);
          return guests.filter((g) => filter.node === undefined || g.node === filter.node);
        },
      }).implementation,
    );
    const first = await connector.listGuestsPage({ node: 'n1', pageSize: 2 });
    expect(first.items.map((g) => g.id)).toEqual(['vm/101', 'vm/102']);
    expect(filters).toEqual([{ node: 'n1' }]);
    const all: string[] = [];
    for await (const g of iteratePages((page) =>
      connector.listGuestsPage({ node: 'n1', pageSize: 2, ...page }),
    )) {
      all.push(g.id);
    }
    expect(all).toEqual(['vm/101', 'vm/102', 'vm/103', 'vm/104', 'vm/105']);
    expect(
      await rejection(connector.listGuestsPage({ node: 'n2', pageToken: first.nextPageToken })),
    ).toMatchObject({ code: 'INVALID_ARGUMENT', details: { violations: [{ field: 'pageToken' }] } });
  });

  it('refuses a bad query naming the field, before listGuests runs', async () => {
    let called = 0;
    const connector = defineConnector(
      recording({
        listGuests: async () => {
          called++;
          return [];
        },
      }).implementation,
    );
    for (const [query, field] of [
      [{ pageSize: 0 }, 'pageSize'],
      [{ state: 'dancing' }, 'state'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      expect(await rejection(connector.listGuestsPage(query as never))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { violations: [{ field }] },
      });
    }
    expect(called).toBe(0);
  });

  it('uses the implementation’s own listGuestsPage when it has one', async () => {
    const connector = defineConnector(
      recording({
        listGuestsPage: async (query) => ({ items: [guest('vm/7')], nextPageToken: `own-${query.pageSize}` }),
      }).implementation,
    );
    expect(await connector.listGuestsPage({ pageSize: 3 })).toEqual({
      items: [guest('vm/7')],
      nextPageToken: 'own-3',
    });
  });
});

describe('listOperations of defineConnector', () => {
  it('is UNSUPPORTED (operationList) without an implementation or with the capability missing', async () => {
    const without = defineConnector(recording().implementation);
    expect(await rejection(without.listOperations())).toMatchObject({
      code: 'UNSUPPORTED',
      details: { capability: 'operationList' },
    });
    let called = 0;
    const missing = defineConnector(
      recording({
        capabilities: { ...FULL_CAPABILITIES, operationList: false },
        listOperations: async () => {
          called++;
          return { items: [] };
        },
      }).implementation,
    );
    expect(await rejection(missing.listOperations())).toMatchObject({ code: 'UNSUPPORTED' });
    expect(called).toBe(0);
  });

  it('refuses a bad query naming the field', async () => {
    const connector = defineConnector(
      recording({ listOperations: async () => ({ items: [] }) }).implementation,
    );
    for (const [query, field] of [
      [{ status: 'done' }, 'status'],
      [{ type: 'explode' }, 'type'],
      [{ since: 'yesterday' }, 'since'],
      [{ guestId: 'not a guest!' }, 'guestId'],
      [{ pageSize: 1001 }, 'pageSize'],
    ] as const) {
      expect(await rejection(connector.listOperations(query as never))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { violations: [{ field }] },
      });
    }
  });
});

describe('operationPageOf', () => {
  const ops = [
    operation('op-a', '2026-01-01T10:00:00.000Z', { guestId: 'vm/1', status: 'succeeded' }),
    operation('op-b', '2026-01-01T12:00:00.000Z', { guestId: 'vm/2', type: 'stop' }),
    operation('op-c', '2026-01-01T11:00:00.000Z', { guestId: 'vm/1' }),
    operation('op-d', '2026-01-01T11:00:00.000Z', { guestId: 'vm/1', type: 'delete', status: 'failed' }),
  ];
  const ids = (page: { items: readonly Operation[] }) => page.items.map((o) => o.id);

  it('orders newest first, ties by id, and filters by guest, type, status and start', () => {
    expect(ids(operationPageOf(ops, { pageSize: 10 }))).toEqual(['op-b', 'op-c', 'op-d', 'op-a']);
    expect(ids(operationPageOf(ops, { pageSize: 10, guestId: 'vm/1' }))).toEqual(['op-c', 'op-d', 'op-a']);
    expect(ids(operationPageOf(ops, { pageSize: 10, type: 'start', status: 'running' }))).toEqual(['op-c']);
    expect(ids(operationPageOf(ops, { pageSize: 10, since: '2026-01-01T11:00:00Z' }))).toEqual([
      'op-b',
      'op-c',
      'op-d',
    ]);
    expect(ids(operationPageOf(ops, { pageSize: 10, since: '2026-01-01T13:00:00+01:00' }))).toEqual(['op-b']);
  });

  it('keeps its place when newer operations start between two pages', () => {
    const first = operationPageOf(ops, { pageSize: 2 });
    expect(ids(first)).toEqual(['op-b', 'op-c']);
    const later = [...ops, operation('op-e', '2026-01-01T13:00:00.000Z')];
    const second = operationPageOf(later, { pageSize: 2, pageToken: first.nextPageToken });
    expect(ids(second)).toEqual(['op-d', 'op-a']);
    expect(second.nextPageToken).toBeUndefined();
    expect(() =>
      operationPageOf(ops, { pageSize: 2, status: 'failed', pageToken: first.nextPageToken }),
    ).toThrow(/another query/);
  });

  it('gives later starts smaller keys', () => {
    const early = operationPageKey({ id: 'z', startedAt: '1970-01-01T00:00:00.000Z' });
    const late = operationPageKey({ id: 'a', startedAt: '2200-01-01T00:00:00.000Z' });
    expect(late < early).toBe(true);
    expect(late.length).toBe(early.length);
  });
});

describe('wrapConnector over a connector object without the list methods', () => {
  it('pages the inner listGuests and answers UNSUPPORTED for listOperations', async () => {
    const inner = defineConnector(
      recording({ listGuests: async () => [guest('vm/2'), guest('vm/1')] }).implementation,
    );
    const older = Object.fromEntries(
      Object.entries(inner).filter(([key]) => !['listGuestsPage', 'listOperations'].includes(key)),
    ) as unknown as HypervisorConnector;
    const wrapped = wrapConnector(older, { call: (_call, next) => next() });
    const page = await wrapped.listGuestsPage({ pageSize: 1 });
    expect(page.items.map((g) => g.id)).toEqual(['vm/1']);
    expect((await wrapped.listGuestsPage({ pageSize: 1, pageToken: page.nextPageToken })).items[0]?.id).toBe(
      'vm/2',
    );
    expect(await rejection(wrapped.listOperations())).toMatchObject({
      code: 'UNSUPPORTED',
      details: { capability: 'operationList' },
    });
  });
});
