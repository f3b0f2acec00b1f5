import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake, type PveFakeServer } from '../src/index.js';
import { createRawClient, type RawPveClient } from './support/raw-client.js';

describe('PVE fake fault injection over HTTPS', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let api: RawPveClient;

  beforeAll(async () => {
    let n = 0;
    // Deterministic "random": 0, 0.5, 0, 0.5 ...
    fake = createPveFake({ guests: [{ vmid: 100 }], taskDurationMs: 5, random: () => (n++ % 2) * 0.5 });
    server = await fake.listen();
    api = createRawClient(server, { token: fake.credentials.tokenId, secret: fake.credentials.tokenSecret });
  });
  afterAll(async () => {
    await api.close();
    await fake.close();
  });
  beforeEach(() => fake.faults.clear());

  it('answers 596 with an empty body for the given number of times on one route', async () => {
    fake.faults.add({
      method: 'GET',
      path: '/nodes/{node}/qemu/{vmid}/status/current',
      status: 596,
      times: 1,
    });
    const first = await api.call('GET', '/nodes/pve1/qemu/100/status/current');
    expect(first).toMatchObject({ status: 596, reason: 'Connection reset by peer', body: undefined });
    expect((await api.call('GET', '/nodes/pve1/qemu/100/status/current')).status).toBe(200);
    expect(fake.faults.size).toBe(0);
  });

  it('applies a rate to matching requests', async () => {
    fake.faults.add({ path: /^\/version$/, status: 500, rate: 0.25 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.call('GET', '/version')).status);
    expect(statuses).toEqual([500, 200, 500, 200]);
  });

  it('resets the connection', async () => {
    fake.faults.add({ path: '/version', reset: true, times: 1 });
    await expect(api.call('GET', '/version')).rejects.toThrow();
    expect((await api.call('GET', '/version')).status).toBe(200);
  });

  it('hangs until the client gives up, then serves again', async () => {
    fake.faults.add({ path: '/nodes', hang: true, times: 1 });
    const controller = new AbortController();
    const pending = api.call('GET', '/nodes', {}, undefined, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
    expect((await api.call('GET', '/nodes')).status).toBe(200);
  });

  it('adds latency before answering: a later request overtakes the delayed one', async () => {
    fake.faults.add({ path: '/version', latencyMs: 2_000, times: 1 });
    let delayedDone = false;
    const delayed = api.call('GET', '/version').then((r) => {
      delayedDone = true;
      return r;
    });
    expect((await api.call('GET', '/nodes')).status).toBe(200);
    expect(delayedDone).toBe(false);
    expect((await delayed).status).toBe(200);
  });

  it('expires tickets on a matching request', async () => {
    const login = await api.call(
      'POST',
      '/access/ticket',
      { username: 'root@pam', password: fake.credentials.password },
      null,
    );
    const { ticket } = (login.body as { data: { ticket: string } }).data;
    fake.faults.add({ path: '/nodes', expireTickets: true, times: 1 });
    expect((await api.call('GET', '/nodes', {}, { ticket })).status).toBe(401);
  });

  it('counts sockets', () => {
    expect(server.connections.total).toBeGreaterThanOrEqual(3);
    expect(server.connections.peak).toBeGreaterThanOrEqual(1);
  });
});
