import type { GuestEvent, Operation } from '@hvc/hypervisor-connector';
import {
  createManualClock,
  createMemoryConnector,
  MEMORY_WATCH_INTERVAL_MS,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

const DURATION = 100;

function setup() {
  const clock = createManualClock();
  const connector = createMemoryConnector({ clock, operationDurationMs: DURATION });
  /** Runs the operation to its end and lets one poll see the result. */
  const settle = async (started: Promise<Operation>) => {
    const operation = await started;
    await clock.advance(DURATION);
    await clock.advance(MEMORY_WATCH_INTERVAL_MS);
    return operation;
  };
  return { clock, connector, settle };
}

describe('memory watchGuests', () => {
  it('declares watch and reports sync, then added, changed and removed', async () => {
    const { connector, settle } = setup();
    expect(connector.capabilities.watch).toBe(true);
    const events = connector.watchGuests()[Symbol.asyncIterator]();
    expect(((await events.next()).value as GuestEvent).type).toBe('sync');

    const created = await settle(connector.createGuest({ type: 'vm', name: 'w-1' }));
    const guestId = created.guestId!;
    expect((await events.next()).value).toMatchObject({
      type: 'added',
      guest: { id: guestId, name: 'w-1' },
    });

    await settle(connector.startGuest(guestId));
    const changes: GuestEvent[] = [];
    // The start locks the guest first: `lock` and then `state` change, however the polls fell.
    for (let event = (await events.next()).value as GuestEvent; ; event = (await events.next()).value!) {
      changes.push(event);
      if (event.type === 'changed' && event.guest.state === 'running') break;
    }
    expect(changes.every((event) => event.type === 'changed')).toBe(true);

    await settle(connector.stopGuest(guestId));
    await settle(connector.deleteGuest(guestId));
    let last: GuestEvent;
    do last = (await events.next()).value!;
    while (last.type !== 'removed');
    expect(last).toMatchObject({ guestId, previous: { name: 'w-1' } });
    await events.return?.();
  });

  it('watches only what the filter matches', async () => {
    const { connector, settle } = setup();
    const events = connector.watchGuests({ namePrefix: 'web-' })[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ type: 'sync', guests: [] });
    await settle(connector.createGuest({ type: 'vm', name: 'db-1' }));
    await settle(connector.createGuest({ type: 'vm', name: 'web-1' }));
    expect((await events.next()).value).toMatchObject({ type: 'added', guest: { name: 'web-1' } });
    await events.return?.();
  });

  it('ends its watchers with UNAVAILABLE when the connector closes', async () => {
    const { connector } = setup();
    const events = connector.watchGuests()[Symbol.asyncIterator]();
    await events.next();
    const pending = events.next().catch((error: unknown) => error);
    await connector.close();
    await expect(pending).resolves.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses with UNSUPPORTED when watch is turned off', async () => {
    const connector = createMemoryConnector({ capabilities: { watch: false } });
    await expect(connector.watchGuests()[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
  });
});
