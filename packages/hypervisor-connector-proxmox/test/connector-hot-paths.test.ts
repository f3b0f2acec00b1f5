import { isHypervisorError } from '@hvc/hypervisor-connector';
import { createPveFake } from '@hvc/pve-fake';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { createProxmoxConnector } from '../src/index.js';
import { splitPendingConfig } from '../src/mapping/pending-config.js';
import {
  type HttpsTestServer,
  RawBody,
  startHttpsTestServer,
  type TestHandler,
} from './support/https-test-server.js';
import { type FakeTarget, startFakeTarget } from './support/pve-fake-target.js';
import { PVE_RESPONSE_SCHEMAS } from './support/pve-response-schemas.js';

// What the connector's fast paths (single-flight lookups, record readers) must keep doing.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('guest lookups on a cold connector', () => {
  let target: FakeTarget;
  beforeAll(async () => {
    target = await startFakeTarget();
  });
  afterAll(() => target.close());
  beforeEach(() => target.fake.faults.clear());

  const listings = () =>
    target.fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/cluster/resources')).length;
  const IDS = ['qemu/100', 'qemu/101', 'lxc/102', 'lxc/103'];

  it('share one /cluster/resources listing among 100 concurrent getGuest calls', async () => {
    const connector = target.connect('token');
    cleanups.push(() => connector.close());
    const before = listings();
    const guests = await Promise.all(
      Array.from({ length: 100 }, (_, i) => connector.getGuest(IDS[i % IDS.length] as string)),
    );
    expect(guests.map((guest) => guest.id)).toEqual(
      Array.from({ length: 100 }, (_, i) => IDS[i % IDS.length]),
    );
    expect(listings() - before).toBe(1);
    await connector.getGuest('qemu/100');
    expect(listings() - before).toBe(1);
  });

  it('give a failed listing to every waiting lookup, and list again on the next one', async () => {
    const connector = target.connect('token');
    cleanups.push(() => connector.close());
    target.fake.faults.add({
      method: 'GET',
      path: '/cluster/resources',
      status: 500,
      message: 'boom',
      times: 1,
    });
    const before = listings();
    const errors = await Promise.all(IDS.map((id) => rejection(connector.getGuest(id))));
    expect(errors.every((error) => isHypervisorError(error) && /boom/.test(error.message))).toBe(true);
    expect(listings() - before).toBe(1);
    expect((await connector.getGuest('qemu/101')).id).toBe('qemu/101');
    expect(listings() - before).toBe(2);
  });

  it("let an aborted caller go at once without failing the others' lookup", async () => {
    const connector = target.connect('token');
    cleanups.push(() => connector.close());
    target.fake.faults.add({ method: 'GET', path: '/cluster/resources', latencyMs: 200, times: 1 });
    const controller = new AbortController();
    const aborted = rejection(connector.getGuest('qemu/100', { signal: controller.signal }));
    const other = connector.getGuest('qemu/101');
    controller.abort();
    expect(isHypervisorError(await aborted, 'CANCELLED')).toBe(true);
    expect((await other).id).toBe('qemu/101');
  });
});

describe('precondition reads of concurrent calls on one node', () => {
  it('are shared: 40 concurrent starts read the node twice, and a busy or running guest is still refused', async () => {
    const guests = Array.from({ length: 42 }, (_, i) => ({
      type: 'qemu' as const,
      vmid: 200 + i,
      name: `batch-${i}`,
      node: 'pve1',
      ...(i === 41 ? { status: 'running' as const } : {}),
    }));
    const fake = createPveFake({ nodes: 1, guests, taskDurationMs: 2_000 });
    const server = await fake.listen();
    cleanups.push(() => fake.close());
    const connector = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
      tls: { fingerprint: server.fingerprint },
    });
    cleanups.push(() => connector.close());
    await connector.listGuests();
    // 240 is busy (a start task runs, the guest still stopped), 241 is running.
    const busy = await connector.startGuest('qemu/240');
    const reads = () =>
      fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/nodes/pve1/')).length;
    const before = reads();
    const outcomes = await Promise.allSettled(
      guests.map((guest) => connector.startGuest(`qemu/${guest.vmid}`)),
    );
    const refused = outcomes.flatMap((outcome, i) =>
      outcome.status === 'rejected' && isHypervisorError(outcome.reason, 'CONFLICT') ? [guests[i]?.vmid] : [],
    );
    expect(refused).toEqual([240, 241]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(40);
    // At most a lone read of each kind for the first call, then one node-wide read of each kind for the rest,
    // plus the exact status of the running guest.
    expect(reads() - before).toBeLessThanOrEqual(5);
    expect(busy.status).toBe('running');
  });
});

describe('PVE records read with plain functions', () => {
  it("normalise PVE's quirks into a copy, leaving the input alone", () => {
    const input = [
      { id: 'qemu/100', type: 'qemu', vmid: '100', template: 1, name: 5, lock: '', maxmem: null, extra: 'x' },
      { id: 'lxc/101', type: 'lxc', vmid: 101, template: '0', status: 'running' },
    ];
    const copy = structuredClone(input);
    const [vm, ct] = PVE_RESPONSE_SCHEMAS['GET /cluster/resources'].parse(input);
    expect(vm).toEqual({
      id: 'qemu/100',
      type: 'qemu',
      vmid: 100,
      template: true,
      name: '5',
      lock: undefined,
      maxmem: undefined,
      extra: 'x',
    });
    expect(ct).toEqual({ id: 'lxc/101', type: 'lxc', vmid: 101, template: false, status: 'running' });
    expect(input).toEqual(copy);
  });

  it('fail on a malformed field with an issue that names it', () => {
    const result = PVE_RESPONSE_SCHEMAS['GET /cluster/resources'].safeParse([
      { id: 'qemu/100', type: 'qemu' },
      { id: 'qemu/101', type: 'qemu', maxmem: 'lots' },
    ]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: [1, 'maxmem'], message: 'expected a number' });
    const status = PVE_RESPONSE_SCHEMAS['GET /nodes/{node}/{type}/{vmid}/status/current'].safeParse({
      vmid: 100,
    });
    expect(status.error?.issues[0]).toMatchObject({ path: ['status'], message: 'expected a string' });
  });

  it("read a guest's pending config, keeping values as they came and refusing what PVE never sends", () => {
    const pending = PVE_RESPONSE_SCHEMAS['GET /nodes/{node}/{type}/{vmid}/pending'];
    const items = [
      { key: 'cores', value: 2, pending: 4 },
      { key: 'memory', value: '4096,hotplug=1' },
      { key: 'net0', value: 'virtio=BC:24:11:00:00:01,bridge=vmbr0', delete: '1' },
      { key: 'digest', value: 'b1946ac9', extra: true },
    ];
    expect(pending.parse(items)).toEqual([
      { key: 'cores', value: 2, pending: 4 },
      { key: 'memory', value: '4096,hotplug=1' },
      { key: 'net0', value: 'virtio=BC:24:11:00:00:01,bridge=vmbr0', delete: 1 },
      { key: 'digest', value: 'b1946ac9', extra: true },
    ]);
    expect(pending.safeParse([{ value: 1 }]).error?.issues[0]).toMatchObject({
      path: [0, 'key'],
      message: 'expected a string',
    });
    expect(pending.safeParse([{ key: 'a' }, { key: 'b', pending: null }]).error?.issues[0]).toMatchObject({
      path: [1, 'pending'],
      message: 'expected a number or a string',
    });
    expect(pending.safeParse([{ key: 'a', delete: 'yes' }]).error?.issues[0]).toMatchObject({
      path: [0, 'delete'],
      message: 'expected a number',
    });
    expect(pending.safeParse({ key: 'a' }).success).toBe(false);
  });

  it('split pending config into the running section and its changes, refusing a bad config value', () => {
    const split = splitPendingConfig([
      { key: 'cores', value: '2', pending: 4 },
      { key: 'name', value: 'web-1' },
      { key: 'template', value: 0 },
      { key: 'net1', pending: 'virtio,bridge=vmbr1' },
      { key: 'serial0', value: 'socket', delete: 2 },
    ]);
    expect(split).toEqual({
      current: { cores: 2, name: 'web-1', template: false, serial0: 'socket' },
      pending: { cores: 4, net1: 'virtio,bridge=vmbr1' },
      deletes: ['serial0'],
    });
    expect(() => splitPendingConfig([{ key: 'cores', value: 'many' }])).toThrow(/expected a number/);
  });

  async function serve(handler: TestHandler): Promise<HttpsTestServer> {
    const server = await startHttpsTestServer(handler);
    cleanups.push(() => server.close());
    return server;
  }

  it('make the connector fail with INTERNAL naming the malformed field of a response', async () => {
    const server = await serve((request) => {
      const path = request.path.replace(/^\/api2\/json/, '').split('?')[0];
      if (path === '/cluster/resources') {
        return [
          200,
          {
            data: [
              { id: 'qemu/100', type: 'qemu', vmid: 100, node: 'pve1', status: 'running' },
              { id: 'qemu/101', type: 'qemu', vmid: 101, node: 'pve1', cpu: { busy: true } },
            ],
          },
        ];
      }
      return [404, null];
    });
    const connector = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { tokenId: 'root@pam!hvc', secret: 'token-secret-5f1d' },
      tls: { fingerprint: server.fingerprint },
    });
    cleanups.push(() => connector.close());
    const listing = await rejection(connector.listGuests());
    expect(isHypervisorError(listing, 'INTERNAL')).toBe(true);
    expect((listing as Error).message).toContain('1.cpu: expected a number');
    expect(listing).toMatchObject({ details: { issues: [{ path: ['1', 'cpu'] }] } });
  });

  /** A connector of the test server `server`. */
  function connectorOf(server: HttpsTestServer) {
    const connector = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { tokenId: 'root@pam!hvc', secret: 'token-secret-5f1d' },
      tls: { fingerprint: server.fingerprint },
    });
    cleanups.push(() => connector.close());
    return connector;
  }

  /** `count` guests as `/cluster/resources` lists them, `name(i)` naming the i-th. */
  function resources(count: number, name: (i: number) => string) {
    return Array.from({ length: count }, (_, i) => ({
      id: `qemu/${100 + i}`,
      type: 'qemu',
      vmid: 100 + i,
      node: `pve${1 + (i % 3)}`,
      name: name(i),
      status: i % 2 ? 'running' : 'stopped',
      maxcpu: 2,
      maxmem: 2 ** 30,
      tags: i % 5 ? 'web' : 'db;prod',
    }));
  }

  it('read a listing too large for one string in runs, giving every guest in order, names of any script kept whole', async () => {
    const items = resources(3_000, (i) => (i % 4 ? `vm-${i}` : `сервер-€-🖥-${i}"},{"x":1`));
    const server = await serve((request) =>
      request.path.startsWith('/api2/json/cluster/resources') ? [200, { data: items }] : [404, null],
    );
    expect(JSON.stringify({ data: items }).length).toBeGreaterThan(6 * 64 * 1024);
    const guests = await connectorOf(server).listGuests();
    expect(guests.map((guest) => [guest.id, guest.name, guest.state, guest.tags])).toEqual(
      items.map((item) => [item.id, item.name, item.status, item.tags.split(';')]),
    );
  });

  it('name the malformed field of a listing read in runs by its index in the whole listing', async () => {
    const items: Array<Record<string, unknown>> = resources(3_000, (i) => `vm-${i}`);
    items[2_600] = { ...items[2_600], maxmem: 'lots' };
    const server = await serve((request) =>
      request.path.startsWith('/api2/json/cluster/resources') ? [200, { data: items }] : [404, null],
    );
    const listing = await rejection(connectorOf(server).listGuests());
    expect(isHypervisorError(listing, 'INTERNAL')).toBe(true);
    expect(listing).toMatchObject({ details: { issues: [{ path: ['2600', 'maxmem'] }] } });
  });

  it('fail with INTERNAL naming the call for a 200 that is not JSON, or not a PVE envelope, large or small', async () => {
    const long = JSON.stringify({ data: resources(1_000, (i) => `vm-${i}`) });
    const bodies = [
      new RawBody('<html>proxy error</html>'),
      new RawBody(`${long.slice(0, -2)},]}`),
      new RawBody(long.slice(0, -1)),
      { result: [] },
    ];
    let next = 0;
    const server = await serve(() => [200, bodies[next++]]);
    const connector = connectorOf(server);
    for (const expected of [
      'with something that is not JSON',
      'with something that is not JSON',
      'with something that is not JSON',
      'without a data envelope',
    ]) {
      const error = await rejection(connector.listGuests());
      expect(isHypervisorError(error, 'INTERNAL')).toBe(true);
      expect((error as Error).message).toBe(`PVE answered GET /cluster/resources ${expected}`);
    }
  });
});
