// Operations across connector instances, on the shared lab: what one connector starts, another finds again by id
// and judges from libvirt's state — also once the first is closed (a process restart) — and a migration another
// connector cancels.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { injectLab } from '../lab/provided-lab.js';
import { waitForSerialMarker } from '../lab/serial-log.js';
import { virsh } from '../lab/virsh.js';
import { LiveGuests } from './support/live-guests.js';

const lab = injectLab();
const [one, two] = lab.hosts as [(typeof lab.hosts)[0], (typeof lab.hosts)[0]];
const live = new LiveGuests(lab);

afterAll(() => live.dispose(), 120_000);

describe('operations seen from another connector instance', () => {
  it('are found again and judged from libvirt’s state, also after the first connector is closed', async () => {
    const first = live.connect();
    const second = live.connect();
    const guest = await live.createTinyGuest(first, { node: one.name });

    const start = await first.startGuest(guest.id);
    const seen = await second.getOperation(start.id);
    expect(seen).toMatchObject({
      id: start.id,
      type: 'start',
      guestId: guest.id,
      startedAt: start.startedAt,
    });
    const started = await second.waitForOperation(start.id, { timeoutMs: 30_000 });
    expect(started).toMatchObject({ status: 'succeeded', raw: { derived: true, node: one.name } });

    // Once the guest listens for the power button, the first connector presses it and is closed at once (its
    // process gone): the other one still sees the shutdown end, from the guest's state and its lifecycle event.
    await waitForSerialMarker(join(lab.serialDir, `${guest.name}.log`), 'HVC-LAB ready', 45_000);
    const shutdown = await first.shutdownGuest(guest.id);
    await first.close();
    await expect(first.getOperation(shutdown.id)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect((await second.getOperation(shutdown.id)).type).toBe('shutdown');
    const ended = await second.waitForOperation(shutdown.id, { timeoutMs: 30_000 });
    expect(ended).toMatchObject({ status: 'succeeded', type: 'shutdown', raw: { derived: true } });
    expect((await virsh(one.unixUri, ['domstate', '--reason', guest.name])).trim()).toBe(
      'shut off (shutdown)',
    );

    const removal = await second.deleteGuest(guest.id);
    await second.waitForOperation(removal.id, { timeoutMs: 30_000 });
    await expect(second.getOperation(start.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await second.getOperation(removal.id)).toMatchObject({ status: 'succeeded' });
  });

  it('tell an operation that never reached its state: failed once the settle time has passed', async () => {
    const connector = live.connect({ operations: { settleMs: 1_000 } });
    const other = live.connect({ operations: { settleMs: 1_000 } });
    const guest = await live.createTinyGuest(connector, { node: one.name });
    const start = await connector.startGuest(guest.id);
    await connector.waitForOperation(start.id, { timeoutMs: 30_000 });
    const stop = await connector.stopGuest(guest.id);
    await connector.waitForOperation(stop.id, { timeoutMs: 30_000 });
    // The start succeeded, but the guest no longer runs: from libvirt's state alone that start has no trace left.
    const judged = await other.getOperation(start.id);
    expect(judged).toMatchObject({ status: 'failed', error: { code: 'OPERATION_FAILED' } });
    expect(judged.error?.message).toMatch(/not known to this process: the guest is shutoff/);
    expect(await connector.getOperation(start.id)).toMatchObject({ status: 'succeeded' });
  });
});

describe('migration', () => {
  it('reports progress from the job stats and is cancelled by another connector (DOMAIN_ABORT_JOB)', async () => {
    const owner = live.connect();
    const other = live.connect();
    const guest = await live.createTinyGuest(owner, { node: one.name, start: true });
    const migration = await owner.migrateGuest(guest.id, {
      targetNode: two.name,
      online: true,
      providerOptions: { libvirt: { bandwidthMiBps: 1 } },
    });
    expect(migration).toMatchObject({ type: 'migrate', status: 'running', guestId: guest.id });
    await expect
      .poll(async () => (await other.getOperation(migration.id)).progress ?? 0, {
        timeout: 30_000,
        interval: 250,
      })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await owner.getOperation(migration.id)).progress ?? 0, {
        timeout: 10_000,
        interval: 100,
      })
      .toBeGreaterThan(0);

    const cancelling = await other.cancelOperation(migration.id);
    expect(['running', 'cancelled', 'failed']).toContain(cancelling.status);
    const done = await owner.waitForOperation(migration.id, { timeoutMs: 30_000, throwOnFailure: false });
    expect(done.status).toBe('cancelled');
    expect((await virsh(one.unixUri, ['domstate', guest.name])).trim()).toBe('running');
    await expect(virsh(two.unixUri, ['domstate', guest.name])).rejects.toThrow(/failed to get domain/);
    expect((await owner.getGuest(guest.id)).node).toBe(one.name);

    // Unhindered, it moves: defined and running on the other host only.
    await owner.waitForOperation((await owner.migrateGuest(guest.id, { targetNode: two.name })).id, {
      timeoutMs: 60_000,
    });
    expect((await virsh(two.unixUri, ['domstate', guest.name])).trim()).toBe('running');
    await expect(virsh(one.unixUri, ['domstate', guest.name])).rejects.toThrow(/failed to get domain/);
    expect(await other.getGuest(guest.id)).toMatchObject({ node: two.name, state: 'running' });
  });
});
