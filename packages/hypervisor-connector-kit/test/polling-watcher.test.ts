import {
  type Guest,
  type GuestEvent,
  PermissionDeniedError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import {
  coalesceGuestEvents,
  createManualClock,
  diffGuestListings,
  matchesGuestFilter,
  PollingWatcher,
  type PollingWatcherOptions,
} from '../src/index.js';

function guest(id: string, changes: Partial<Guest> = {}): Guest {
  return {
    id,
    type: 'vm',
    name: `vm-${id}`,
    node: 'n1',
    state: 'stopped',
    template: false,
    tags: [],
    resources: { cpus: 1, memoryBytes: 1024 },
    raw: {},
    ...changes,
  };
}

/** A hypervisor whose listing the test edits, and a watcher over it on a manual clock. */
function harness(options: Partial<PollingWatcherOptions> = {}) {
  const clock = createManualClock();
  const state = {
    guests: new Map<string, Guest>(),
    lists: 0,
    failure: undefined as unknown,
    signals: [] as AbortSignal[],
  };
  const watcher = new PollingWatcher({
    list: async (filter, signal) => {
      state.lists++;
      state.signals.push(signal);
      if (state.failure !== undefined) throw state.failure;
      return [...state.guests.values()].filter((g) => matchesGuestFilter(g, filter));
    },
    intervalMs: 1_000,
    backoff: { initialMs: 5_000, factor: 2, maxMs: 20_000 },
    clock,
    ...options,
  });
  const put = (g: Guest) => state.guests.set(g.id, g);
  return { clock, state, watcher, put };
}

const brief = (event: GuestEvent) =>
  event.type === 'sync'
    ? `sync ${event.guests.map((g) => g.id).join(',')}`
    : event.type === 'changed'
      ? `changed ${event.guest.id} ${event.fields.join(',')}`
      : event.type === 'added'
        ? `added ${event.guest.id}`
        : `removed ${event.guestId}`;

describe('PollingWatcher', () => {
  it('sends a sync first, then added, changed (watched fields only) and removed', async () => {
    const { clock, watcher, put, state } = harness();
    put(guest('1'));
    const events = watcher.watch({})[Symbol.asyncIterator]();
    const first = await events.next();
    expect(first.value).toMatchObject({
      type: 'sync',
      guests: [{ id: '1' }],
      at: '2025-01-01T00:00:00.000Z',
    });

    put(guest('2'));
    put(guest('1', { state: 'running', name: 'renamed', usage: { cpu: 0.5 }, raw: { uptime: 3 } }));
    await clock.advance(1_000);
    expect(brief((await events.next()).value!)).toBe('changed 1 name,state');
    const added = (await events.next()).value!;
    expect(brief(added)).toBe('added 2');
    expect(added.at).toBe('2025-01-01T00:00:01.000Z');

    // Usage counters and the raw record moving is not a change.
    put(guest('2', { usage: { cpu: 0.9, uptimeSeconds: 9 }, raw: { cpu: 0.9 } }));
    state.guests.delete('1');
    await clock.advance(1_000);
    const removed = (await events.next()).value!;
    expect(removed).toMatchObject({ type: 'removed', guestId: '1', previous: { name: 'renamed' } });
    await events.return?.();
    expect(watcher.activePolls).toBe(0);
  });

  it('shares one poll loop between the watchers of a filter and stops it with the last', async () => {
    const { clock, watcher, put, state } = harness();
    put(guest('1'));
    put(guest('2', { state: 'running' }));
    const a = watcher.watch({})[Symbol.asyncIterator]();
    const b = watcher.watch({})[Symbol.asyncIterator]();
    const running = watcher.watch({ state: 'running' })[Symbol.asyncIterator]();
    expect(brief((await a.next()).value!)).toBe('sync 1,2');
    expect(brief((await b.next()).value!)).toBe('sync 1,2');
    expect(brief((await running.next()).value!)).toBe('sync 2');
    expect(watcher.activePolls).toBe(2);
    expect(state.lists).toBe(2);

    await clock.advance(1_000);
    expect(state.lists).toBe(4); // one listing per filter per interval, however many watchers

    // A late watcher gets the loop's listing at once, without a listing of its own.
    const late = watcher.watch({})[Symbol.asyncIterator]();
    expect(brief((await late.next()).value!)).toBe('sync 1,2');
    expect(state.lists).toBe(4);

    await running.return?.();
    expect(watcher.activePolls).toBe(1);
    await a.return?.();
    await b.return?.();
    expect(watcher.activePolls).toBe(1);
    await late.return?.();
    expect(watcher.activePolls).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(state.signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('backs off after a failed poll and re-syncs once a poll succeeds', async () => {
    const { clock, watcher, put, state } = harness();
    put(guest('1'));
    const events = watcher.watch({})[Symbol.asyncIterator]();
    expect(brief((await events.next()).value!)).toBe('sync 1');

    state.failure = new UnavailableError('the node is down');
    await clock.advance(1_000);
    expect(state.lists).toBe(2);
    await clock.advance(4_999);
    expect(state.lists).toBe(2); // the first backoff is 5 s, not the interval
    await clock.advance(1);
    expect(state.lists).toBe(3);
    await clock.advance(9_999);
    expect(state.lists).toBe(3); // then 10 s
    put(guest('2'));
    state.failure = undefined;
    await clock.advance(1);
    expect(state.lists).toBe(4);
    expect(brief((await events.next()).value!)).toBe('sync 1,2');
    await clock.advance(1_000);
    expect(state.lists).toBe(5); // back to the interval
    await events.return?.();
  });

  it('ends every watcher by throwing a permanent error', async () => {
    const { clock, watcher, put, state } = harness();
    put(guest('1'));
    const a = watcher.watch({})[Symbol.asyncIterator]();
    const b = watcher.watch({})[Symbol.asyncIterator]();
    await a.next();
    await b.next();
    const pending = a.next().catch((error: unknown) => error);
    state.failure = new PermissionDeniedError('VM.Audit is missing');
    await clock.advance(1_000);
    await expect(pending).resolves.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(b.next()).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(watcher.activePolls).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('ends its watchers with UNAVAILABLE when closed and refuses new ones', async () => {
    const { watcher, put } = harness({ target: 'lab' });
    put(guest('1'));
    const events = watcher.watch({})[Symbol.asyncIterator]();
    await events.next();
    const pending = events.next();
    watcher.close();
    await expect(pending).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: false, target: 'lab' });
    await expect(watcher.watch({}).next()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(watcher.activePolls).toBe(0);
  });

  it('polls at once on refresh, again after a poll in flight, but not while backing off', async () => {
    const { clock, watcher, put, state } = harness();
    put(guest('1'));
    const events = watcher.watch({})[Symbol.asyncIterator]();
    await events.next();
    expect(state.lists).toBe(1);

    put(guest('1', { state: 'running' }));
    watcher.refresh();
    expect(brief((await events.next()).value!)).toBe('changed 1 state');
    expect(state.lists).toBe(2);

    // Two refreshes during one listing: one more poll once it ends, not two.
    watcher.refresh();
    watcher.refresh();
    watcher.refresh();
    await clock.advance(0);
    expect(state.lists).toBe(4);
    await clock.advance(999);
    expect(state.lists).toBe(4); // the interval restarted from the last poll
    await clock.advance(1);
    expect(state.lists).toBe(5);

    state.failure = new UnavailableError('down');
    await clock.advance(1_000);
    expect(state.lists).toBe(6);
    watcher.refresh();
    await clock.advance(0);
    expect(state.lists).toBe(6);
    await events.return?.();
  });

  it('ends a watcher quietly when its signal fires', async () => {
    const { watcher, put, clock } = harness();
    put(guest('1'));
    const controller = new AbortController();
    const events = watcher.watch({}, controller.signal)[Symbol.asyncIterator]();
    await events.next();
    const pending = events.next();
    controller.abort();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(watcher.activePolls).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('coalesces a slow consumer per guest, and re-syncs it when more guests changed than it may hold', async () => {
    const { clock, watcher, put } = harness({ queueLimit: 3 });
    put(guest('1'));
    put(guest('2'));
    const events = watcher.watch({})[Symbol.asyncIterator]();
    expect(brief((await events.next()).value!)).toBe('sync 1,2');

    // Four polls of changes to two guests, unread: coalesced per guest. Guest 1 ends where the consumer last saw
    // it (stopped), so nothing is left of it.
    for (const state of ['running', 'paused', 'running', 'stopped'] as const) {
      put(guest('1', { state }));
      put(guest('2', { name: `name-${state}` }));
      await clock.advance(1_000);
    }
    const first = (await events.next()).value!;
    expect(brief(first)).toBe('changed 2 name');
    expect(first).toMatchObject({ previous: { name: 'vm-2' }, guest: { name: 'name-stopped' } });
    // A consumer waiting gets the next poll's event at once.
    const next = events.next();
    put(guest('3'));
    await clock.advance(1_000);
    expect(brief((await next).value!)).toBe('added 3');
    // Four new guests at once exceed the limit even coalesced: one sync of the current listing instead.
    for (const id of ['4', '5', '6', '7']) put(guest(id));
    await clock.advance(1_000);
    expect(brief((await events.next()).value!)).toBe('sync 1,2,3,4,5,6,7');
    await events.return?.();
  });
});

describe('coalesceGuestEvents', () => {
  const at = '2025-01-01T00:00:00.000Z';
  it('merges the events of one guest and folds events into a sync', () => {
    const a = guest('a');
    const aRunning = guest('a', { state: 'running' });
    const b = guest('b');
    const merged = coalesceGuestEvents([
      ...diffGuestListings(new Map(), new Map([['a', a]]), at),
      ...diffGuestListings(new Map([['a', a]]), new Map([['a', aRunning]]), at),
      { type: 'added', guest: b, at },
      { type: 'removed', guestId: 'b', previous: b, at },
    ]);
    expect(merged).toEqual([{ type: 'added', guest: aRunning, at }]);

    expect(
      coalesceGuestEvents([
        { type: 'removed', guestId: 'a', previous: a, at },
        { type: 'added', guest: aRunning, at },
      ]),
    ).toEqual([{ type: 'changed', guest: aRunning, previous: a, fields: ['state'], at }]);

    expect(
      coalesceGuestEvents([
        { type: 'sync', guests: [a, b], at },
        { type: 'changed', guest: aRunning, previous: a, fields: ['state'], at },
        { type: 'removed', guestId: 'b', previous: b, at },
      ]),
    ).toEqual([{ type: 'sync', guests: [aRunning], at }]);
  });
});
