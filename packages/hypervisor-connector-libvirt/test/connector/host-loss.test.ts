// A host that dies mid-call, on a one-host lab of this file's own (freezing or restarting a daemon would disturb the
// shared one): the call fails with UNAVAILABLE within the keepalive bound, never hangs, and the host is opened again
// once it is back. The lab's daemon does not ping its clients (see `LabOptions.daemonsPingClients`); the
// connector's own pings are what this file tests.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibvirtConnector } from '../../src/connector/libvirt-connector.js';
import { type Lab, startLab } from '../lab/lab.js';
import { daemonLogTails, daemonPid, restartLabHost } from '../lab/lab-daemon.js';
import { isRunning, processRef } from '../lab/process-control.js';
import { LiveGuests } from './support/live-guests.js';

let lab: Lab;
let live: LiveGuests;

beforeAll(async () => {
  lab = await startLab({ hosts: 1, ssh: false, daemonsPingClients: false });
  live = new LiveGuests(lab.facts);
}, 60_000);

afterAll(async () => {
  await live?.dispose();
  await lab?.stop();
}, 120_000);

describe('a host lost mid-call', () => {
  it('fails the call with UNAVAILABLE within the keepalive bound, and is reopened when it answers again', async () => {
    const host = lab.facts.hosts[0]!;
    const connector: LibvirtConnector = live.connect({
      keepalive: { intervalMs: 500, count: 3 },
      connectTimeoutMs: 2_000,
    });
    const guest = await live.createTinyGuest(connector);
    expect((await connector.getGuest(guest.id)).state).toBe('stopped');

    const pid = daemonPid(host);
    const daemon = processRef(pid)!;
    process.kill(pid, 'SIGSTOP');
    try {
      const started = performance.now();
      const error = await connector.getGuest(guest.id).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({
        code: 'UNAVAILABLE',
        retryable: true,
        message: expect.stringMatching(/keepalive/),
      });
      // 500 ms × 3 of silence, give or take a busy event loop, and never the default 25 s.
      expect(elapsed).toBeGreaterThanOrEqual(1_400);
      expect(elapsed).toBeLessThan(6_000);

      // While it stays frozen, a new call opens a new connection, bounded by the connect deadline.
      const again = performance.now();
      await expect(connector.listGuests()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(performance.now() - again).toBeLessThan(6_500);
      const [node] = await connector.listNodes();
      expect(node).toMatchObject({ status: 'offline', raw: { error: { code: 'UNAVAILABLE' } } });
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    const thawed = await connector.getGuest(guest.id).catch((e: unknown) => e);
    // A daemon that died on thaw is libvirtd's failure, not the connector's: say so, with its log, rather than
    // show only the connection reset.
    const died = isRunning(daemon) ? undefined : await daemonLogTails(host);
    expect(
      died,
      `libvirtd ${pid} exited after SIGCONT (a crash shows in the kernel log); its output and log`,
    ).toBeUndefined();
    expect(thawed).toMatchObject({ id: guest.id, state: 'stopped' });
    // A daemon restart closes the connection at the other end. A call that races the close (its FIN not read yet
    // on a busy machine) may still meet the dead connection and fail UNAVAILABLE; the calls after it open a new one.
    await restartLabHost(lab.facts, host);
    await expect
      .poll(async () => (await connector.listNodes())[0]?.status, { timeout: 30_000, interval: 250 })
      .toBe('online');
    expect(await connector.getGuest(guest.id)).toMatchObject({ id: guest.id });
  });
});
