// watchGuests on the shared lab: libvirt's domain events wake the watch; a change made with virsh shows as well as
// one made through the connector.

import type { GuestEvent } from '@hvc/hypervisor-connector';
import { afterAll, describe, expect, it } from 'vitest';
import { injectLab } from '../lab/provided-lab.js';
import { virsh } from '../lab/virsh.js';
import { LiveGuests } from './support/live-guests.js';

const lab = injectLab();
const [one] = lab.hosts as [(typeof lab.hosts)[0]];
const live = new LiveGuests(lab);

afterAll(() => live.dispose(), 120_000);

/** The next event `wanted` accepts, skipping the others (changes of other tests' guests among them). */
async function until(events: AsyncIterator<GuestEvent>, wanted: (event: GuestEvent) => boolean) {
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error('the watch ended');
    if (wanted(next.value)) return next.value;
  }
}

describe('watchGuests on libvirt', () => {
  it('reports a guest defined, started with virsh, stopped and deleted as added, changed and removed', async () => {
    const connector = live.connect();
    expect(connector.capabilities.watch).toBe(true);
    const controller = new AbortController();
    const events = connector.watchGuests({}, { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ type: 'sync' });

    const guest = await live.createTinyGuest(connector, { node: one.name });
    expect(await until(events, (e) => e.type === 'added' && e.guest.id === guest.id)).toMatchObject({
      guest: { name: guest.name, state: 'stopped', node: one.name },
    });

    await virsh(one.unixUri, ['start', guest.name]);
    const started = await until(
      events,
      (e) => e.type === 'changed' && e.guest.id === guest.id && e.guest.state === 'running',
    );
    expect(started.type === 'changed' && started.fields).toContain('state');

    await connector.waitForOperation((await connector.stopGuest(guest.id)).id, { timeoutMs: 30_000 });
    await until(
      events,
      (e) => e.type === 'changed' && e.guest.id === guest.id && e.guest.state === 'stopped',
    );

    await connector.waitForOperation((await connector.deleteGuest(guest.id)).id, { timeoutMs: 30_000 });
    expect(await until(events, (e) => e.type === 'removed' && e.guestId === guest.id)).toMatchObject({
      previous: { name: guest.name },
    });

    controller.abort();
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('ends its watchers with UNAVAILABLE when the connector closes', async () => {
    const connector = live.connect();
    const events = connector.watchGuests()[Symbol.asyncIterator]();
    await events.next();
    const pending = events.next().catch((error: unknown) => error);
    await connector.close();
    expect(await pending).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
  });
});
