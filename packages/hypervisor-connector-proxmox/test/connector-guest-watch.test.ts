import type { GuestEvent } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTarget, KIT_SPECS, startFakeTarget } from './support/pve-fake-target.js';

// watchGuests over loopback HTTPS against the PVE fake: the kit's poller over `/cluster/resources`. The fake models
// pvestatd's 10 s lag, so each step runs its round (`pvestatdRound`) as PVE would within 10 s.
let target: FakeTarget;
beforeAll(async () => {
  target = await startFakeTarget({ taskDurationMs: 20 });
});
afterAll(() => target.close());

const resourceReads = () =>
  target.fake.requests.filter((r) => r.path.startsWith('/cluster/resources')).length;

/** The next event of `events` that `wanted` accepts; the ones before it are returned too. */
async function until(
  events: AsyncIterator<GuestEvent>,
  wanted: (event: GuestEvent) => boolean,
): Promise<{ event: GuestEvent; skipped: GuestEvent[] }> {
  const skipped: GuestEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error('the watch ended');
    if (wanted(next.value)) return { event: next.value, skipped };
    skipped.push(next.value);
  }
}

describe('the Proxmox connector watchGuests', () => {
  it('declares watch and reports a created, started and deleted guest as added, changed and removed', async () => {
    const connector = target.connect('token', { watch: { intervalMs: 100 } });
    expect(connector.capabilities.watch).toBe(true);
    const controller = new AbortController();
    const events = connector
      .watchGuests({ type: 'vm' }, { signal: controller.signal })
      [Symbol.asyncIterator]();
    const sync = (await events.next()).value as GuestEvent;
    expect(sync.type === 'sync' && sync.guests.map((guest) => guest.id)).toEqual([
      'qemu/100',
      'qemu/101',
      'qemu/9000',
    ]);

    const created = await connector.waitForOperation(
      (await connector.createGuest(KIT_SPECS.vm('watched'))).id,
    );
    const guestId = created.guestId!;
    target.fake.pvestatdRound();
    const added = await until(events, (event) => event.type === 'added');
    expect(added.event).toMatchObject({ guest: { id: guestId, name: 'watched' } });

    await connector.waitForOperation((await connector.startGuest(guestId)).id);
    target.fake.pvestatdRound();
    const started = await until(
      events,
      (event) => event.type === 'changed' && event.guest.id === guestId && event.guest.state === 'running',
    );
    expect(started.event).toMatchObject({ previous: { state: 'stopped' } });
    expect(started.event.type === 'changed' && started.event.fields).toContain('state');

    await connector.waitForOperation((await connector.stopGuest(guestId)).id);
    await connector.waitForOperation((await connector.deleteGuest(guestId)).id);
    target.fake.pvestatdRound();
    const removed = await until(events, (event) => event.type === 'removed');
    expect(removed.event).toMatchObject({ guestId, previous: { name: 'watched' } });

    controller.abort();
    expect(await events.next()).toEqual({ done: true, value: undefined });
    await connector.close();
  });

  it('re-syncs every watcher after failed polls, and ends its watchers when closed', async () => {
    const connector = target.connect('token', { watch: { intervalMs: 100, maxBackoffMs: 200 } });
    const a = connector.watchGuests()[Symbol.asyncIterator]();
    const b = connector.watchGuests()[Symbol.asyncIterator]();
    expect((await a.next()).value).toMatchObject({ type: 'sync' });
    expect((await b.next()).value).toMatchObject({ type: 'sync' });

    // Every read of `/cluster/resources` fails (after the client's own retry) until the fault is cleared.
    const before = resourceReads();
    target.fake.faults.add({ method: 'GET', path: '/cluster/resources', status: 500 });
    while (resourceReads() - before < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    target.fake.faults.clear();
    const resynced = await until(a, (event) => event.type === 'sync');
    expect(resynced.event.type === 'sync' && resynced.event.guests.length).toBeGreaterThan(0);
    expect((await until(b, (event) => event.type === 'sync')).event.type).toBe('sync');

    const pending = a.next().catch((error: unknown) => error);
    await connector.close();
    expect(await pending).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    await expect(b.next()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
