import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { createProxmoxConnector } from '../src/index.js';
import { encodeOperationId } from '../src/tasks/operation-id.js';
import { type FakeTarget, KIT_SPECS, startFakeTarget } from './support/pve-fake-target.js';
import { PVE_RESPONSE_SCHEMAS } from './support/pve-response-schemas.js';

// The connector against the PVE fake over loopback HTTPS, with the fake's fault injection.
let target: FakeTarget;
beforeAll(async () => {
  target = await startFakeTarget({ taskDurationMs: 30 });
});
afterAll(() => target.close());
beforeEach(() => {
  target.fake.faults.clear();
});

const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
});
function connect(...args: Parameters<FakeTarget['connect']>) {
  const connector = target.connect(...args);
  opened.push(connector);
  return connector;
}

const requestsTo = (method: string, pattern: RegExp) =>
  target.fake.requests.filter((r) => r.method === method && pattern.test(r.path)).length;

describe('the connector against the PVE fake', () => {
  it('refuses to connect when the fingerprint does not match, sending nothing', async () => {
    const before = target.fake.requests.length;
    const wrong = target.server.fingerprint.replace(
      /^../,
      target.server.fingerprint.startsWith('00') ? '11' : '00',
    );
    const connector = createProxmoxConnector({
      endpoints: [target.server.url],
      credentials: { tokenId: target.fake.credentials.tokenId, secret: target.fake.credentials.tokenSecret },
      tls: { fingerprint: wrong },
    });
    opened.push(connector);
    const error = await rejection(connector.listGuests());
    expect(isHypervisorError(error, 'UNAVAILABLE')).toBe(true);
    expect(error).toMatchObject({ retryable: false, details: { reason: 'tls-fingerprint-mismatch' } });
    expect(target.fake.requests.length).toBe(before);
  });

  it('trusts the fake through its certificate as a CA as well', async () => {
    const connector = createProxmoxConnector({
      endpoints: [target.server.url],
      credentials: { tokenId: target.fake.credentials.tokenId, secret: target.fake.credentials.tokenSecret },
      tls: { ca: target.server.ca },
    });
    opened.push(connector);
    expect((await connector.listNodes()).map((n) => n.name)).toEqual(['pve1', 'pve2', 'pve3']);
  });

  it('retries reads through 595 and resets, and fails writes with UNAVAILABLE without re-sending them', async () => {
    const connector = connect('token');
    target.fake.faults.add({ method: 'GET', path: '/cluster/resources', status: 595, times: 1 });
    target.fake.faults.add({ method: 'GET', path: '/cluster/resources', reset: true, times: 1 });
    const before = requestsTo('GET', /^\/cluster\/resources/);
    expect((await connector.listGuests()).length).toBeGreaterThan(0);
    // A listing is one read of the guests and the nodes (to tell guests of a node that is down): it meets the 595,
    // then the reset, and the third attempt is answered.
    expect(requestsTo('GET', /^\/cluster\/resources/) - before).toBe(3);

    for (const fault of [{ status: 595 as const }, { reset: true }]) {
      target.fake.faults.add({
        method: 'POST',
        path: '/nodes/{node}/qemu/{vmid}/status/start',
        times: 1,
        ...fault,
      });
      const starts = requestsTo('POST', /\/qemu\/101\/status\/start$/);
      const error = await rejection(connector.startGuest('qemu/101'));
      expect(isHypervisorError(error, 'UNAVAILABLE'), JSON.stringify(fault)).toBe(true);
      expect(requestsTo('POST', /\/qemu\/101\/status\/start$/) - starts).toBe(1);
    }
    expect(target.fake.guest(101)?.status).toBe('stopped');
  });

  it('returns OPERATION_FAILED with the log tail for a failing task, and succeeds on WARNINGS', async () => {
    const connector = connect('ticket');
    target.fake.failNextTask({
      type: 'qmstart',
      vmid: 101,
      message: 'start failed: no space left on device',
    });
    const failed = await connector.startGuest('qemu/101');
    const error = await rejection(connector.waitForOperation(failed.id));
    expect(isHypervisorError(error, 'OPERATION_FAILED')).toBe(true);
    // The kit's waiter names the operation before PVE's text, as for every connector.
    expect(error).toMatchObject({
      operationId: failed.id,
      message: `operation ${failed.id} failed: start failed: no space left on device`,
    });
    expect((error as { details: { log: string[] } }).details.log.join('\n')).toContain(
      'TASK ERROR: start failed: no space left on device',
    );

    target.fake.failNextTask({ type: 'qmstart', vmid: 101, warnings: ['storage nearly full'] });
    const warned = await connector.waitForOperation((await connector.startGuest('qemu/101')).id);
    expect(warned.status).toBe('succeeded');
    expect(warned.warnings).toEqual(['storage nearly full']);
    await connector.waitForOperation((await connector.stopGuest('qemu/101')).id);
  });

  it('stops a wait at the abort while a poll hangs', async () => {
    const slow = await startFakeTarget({ taskDurationMs: 60_000 });
    try {
      const connector = slow.connect('token');
      opened.push(connector);
      const { id } = await connector.startGuest('qemu/101');
      slow.fake.faults.add({ method: 'GET', path: /\/tasks\/.*\/status$/, hang: true });
      const controller = new AbortController();
      const wait = rejection(connector.waitForOperation(id, { signal: controller.signal }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const abortedAt = performance.now();
      controller.abort();
      const error = await wait;
      // The poll never answers: any end proves the wait did not wait for it; the bound shows it ended at the abort,
      // with room for a loaded machine's event-loop lag.
      expect(performance.now() - abortedAt).toBeLessThan(800);
      expect(isHypervisorError(error, 'CANCELLED')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('keeps 200 concurrent calls under the concurrency cap, counting sockets on the fake side', async () => {
    const capped = await startFakeTarget();
    try {
      const connector = capped.connect('token', { concurrency: 3 });
      opened.push(connector);
      capped.fake.faults.add({ method: 'GET', path: '/nodes', latencyMs: 2 });
      const results = await Promise.all(Array.from({ length: 200 }, () => connector.listNodes()));
      expect(results).toHaveLength(200);
      expect(capped.server.connections.peak).toBeLessThanOrEqual(3);
      expect(capped.server.connections.total).toBeLessThanOrEqual(3);
    } finally {
      await capped.close();
    }
  });

  it('logs in once for 50 concurrent first calls, and once again for 50 calls after the tickets expired', async () => {
    const fake = target.fake;
    const connector = connect('ticket', { ticketRenewAfterMs: 60 * 60_000 });
    const logins = () => requestsTo('POST', /^\/access\/ticket$/);
    const unauthorized = () => fake.requests.filter((r) => r.status === 401).length;
    const before = { logins: logins(), unauthorized: unauthorized() };
    await Promise.all(Array.from({ length: 50 }, () => connector.listNodes()));
    expect(logins() - before.logins).toBe(1);
    expect(unauthorized() - before.unauthorized).toBe(0);

    fake.expireTickets();
    await Promise.all(Array.from({ length: 50 }, () => connector.listGuests()));
    expect(logins() - before.logins).toBe(2);
    expect(unauthorized() - before.unauthorized).toBeGreaterThan(0);
  });
});

describe('auth, scope and errors against the fake', () => {
  it('answers a TOTP second factor with the configured code, and says so when it is missing', async () => {
    target.fake.addUser({ userid: 'otp@pve', password: 'otp-user-password', totp: '246810' });
    target.fake.setAcl({ path: '/', roles: 'PVEAuditor', user: 'otp@pve' });
    const base = { username: 'otp@pve', password: 'otp-user-password' };
    const withOtp = connect('ticket', { credentials: { ...base, otp: '246810' } });
    expect((await withOtp.listNodes()).length).toBe(3);
    const without = connect('ticket', { credentials: base });
    const error = await rejection(without.listNodes());
    expect(isHypervisorError(error, 'UNAUTHENTICATED')).toBe(true);
    expect((error as Error).message).toContain('credentials.otp');
    const wrong = connect('ticket', { credentials: { ...base, otp: '000000' } });
    const wrongError = await rejection(wrong.listNodes());
    expect(isHypervisorError(wrongError, 'UNAUTHENTICATED')).toBe(true);
    expect(JSON.stringify(wrongError)).not.toContain('otp-user-password');
  });

  it('refines capabilities by privilege and names the missing privilege of a 403', async () => {
    const restricted = target.connectRestricted('token');
    opened.push(restricted);
    const info = await restricted.describe();
    expect(info.capabilities).toMatchObject({ create: false, snapshots: false, metrics: true });
    expect(info.capabilities.notes?.create).toContain('VM.Allocate');
    const unsupported = await rejection(restricted.createGuest(KIT_SPECS.vm('never-created')));
    expect(isHypervisorError(unsupported, 'UNSUPPORTED')).toBe(true);
    const denied = await rejection(restricted.raw('POST', '/nodes/pve1/qemu', { vmid: 4242 }));
    expect(isHypervisorError(denied, 'PERMISSION_DENIED')).toBe(true);
    expect(denied).toMatchObject({ details: { privilege: 'VM.Allocate' } });
  });

  it('lists operations for a token only with Sys.Audit on /, where a user with the same roles lists its own', async () => {
    // PVE's cluster task index shows a token without Sys.Audit on / none of its tasks (pve-manager Cluster.pm).
    const token = target.connectRestricted('token');
    const user = target.connectRestricted('ticket');
    opened.push(token, user);
    const tokenInfo = await token.describe();
    expect(tokenInfo.capabilities.operationList).toBe(false);
    expect(tokenInfo.capabilities.notes?.operationList).toContain('Sys.Audit on /');
    const refused = await rejection(token.listOperations());
    expect(isHypervisorError(refused, 'UNSUPPORTED')).toBe(true);

    expect((await user.describe()).capabilities.operationList).toBe(true);
    const started = await user.startGuest('qemu/101');
    await user.waitForOperation(started.id);
    const listed = await user.listOperations({ guestId: 'qemu/101' });
    expect(listed.items.map((operation) => operation.id)).toContain(started.id);
    await user.waitForOperation((await user.stopGuest('qemu/101')).id);
  });

  it('opens consoles with an API token as with a ticket (PVE leaves allowtoken on for vncproxy and vncwebsocket)', async () => {
    const token = connect('token');
    expect(token.capabilities.console).toEqual(['vnc', 'terminal']);
    const byToken = await token.openConsole('qemu/100', { protocol: 'vnc' });
    expect(byToken).toMatchObject({ protocol: 'vnc', guestId: 'qemu/100', node: 'pve1' });
    expect(byToken.password).toMatch(/^[!-`]{8}$/);
    const ticket = await connect('ticket').openConsole('qemu/100', { protocol: 'vnc' });
    expect(ticket).toMatchObject({ protocol: 'vnc', guestId: 'qemu/100', node: 'pve1' });
    expect(ticket.websocketUrl).toMatch(
      /^wss:\/\/127\.0\.0\.1:\d+\/api2\/json\/nodes\/pve1\/qemu\/100\/vncwebsocket\?port=\d+$/,
    );
    expect(JSON.stringify(ticket.raw)).not.toContain(ticket.ticket);
  });

  it('reaches the rest of the API through raw(), refusing paths that are not API paths', async () => {
    const connector = connect('token');
    const storages = await connector.raw('GET', '/nodes/pve1/storage', undefined, {
      schema: PVE_RESPONSE_SCHEMAS['GET /nodes/{node}/storage'],
    });
    expect(storages.map((s) => s.storage)).toEqual(expect.arrayContaining(['local', 'local-lvm']));
    for (const bad of ['nodes', '/nodes/../access', '/nodes?x=1']) {
      expect(isHypervisorError(await rejection(connector.raw('GET', bad)), 'INVALID_ARGUMENT'), bad).toBe(
        true,
      );
    }
    const method = await rejection(connector.raw('PATCH' as 'GET', '/nodes'));
    expect(isHypervisorError(method, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('gives each bad PVE parameter its own violation', async () => {
    const connector = connect('token');
    const error = await rejection(connector.raw('POST', '/nodes/pve1/qemu', { vmid: 42, cores: 'many' }));
    expect(isHypervisorError(error, 'INVALID_ARGUMENT')).toBe(true);
    const fields = (error as { violations: { field: string }[] }).violations.map((v) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['vmid', 'cores']));
  });

  it('reads the error text from the body on PVE 9 and from the reason phrase on PVE 8', async () => {
    const old = await startFakeTarget({ pveVersion: 8 });
    try {
      for (const connector of [connect('token'), old.connect('ticket')]) {
        opened.push(connector);
        const error = await rejection(connector.raw('GET', '/nodes/pve1/qemu/999/status/current'));
        expect(isHypervisorError(error, 'NOT_FOUND')).toBe(true);
        expect((error as Error).message).toBe(
          "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist",
        );
      }
    } finally {
      await old.close();
    }
  });

  it('confines a pool-scoped connector to its pool', async () => {
    const scoped = connect('token', { pool: 'kit-pool' });
    const op = await scoped.createGuest(KIT_SPECS.vm('pool-scoped-vm'));
    await scoped.waitForOperation(op.id);
    const guests = await scoped.listGuests();
    expect(guests.map((g) => g.id)).toEqual([op.guestId]);
    expect(guests[0]?.pool).toBe('kit-pool');
    expect(isHypervisorError(await rejection(scoped.getGuest('qemu/101')), 'NOT_FOUND')).toBe(true);
    expect(isHypervisorError(await rejection(scoped.startGuest('qemu/101')), 'NOT_FOUND')).toBe(true);
    await scoped.waitForOperation((await scoped.deleteGuest(op.guestId!)).id);
  });

  it('confines a containers-only connector to containers', async () => {
    const containers = connect('token', { guestTypes: ['container'] });
    const guests = await containers.listGuests();
    expect(guests.length).toBeGreaterThan(0);
    expect(guests.every((guest) => guest.type === 'container')).toBe(true);
    expect(isHypervisorError(await rejection(containers.getGuest('qemu/100')), 'NOT_FOUND')).toBe(true);
  });

  it("refuses what containers lack with UNSUPPORTED and PVE's reason, sending no write", async () => {
    const connector = connect('ticket');
    const writes = () =>
      target.fake.requests.filter((r) => r.method !== 'GET' && r.path.includes('/102')).length;
    const before = writes();
    const suspend = "unsupported: suspend (PVE's container freeze does not show in the container's status)";
    const live =
      'unsupported: migration.live (containers cannot migrate live; stop it or migrate with online: false to restart it)';
    const refusals: Array<[() => Promise<unknown>, string]> = [
      [() => connector.resetGuest('lxc/102'), 'unsupported: reset (containers cannot be reset)'],
      [() => connector.suspendGuest('lxc/102'), suspend],
      [() => connector.resumeGuest('lxc/102'), suspend],
      [
        () => connector.createSnapshot('lxc/102', { name: 'with-memory', includeMemory: true }),
        'unsupported: memorySnapshots (containers have no memory snapshots)',
      ],
      [
        () => connector.openConsole('lxc/102', { protocol: 'spice' }),
        'unsupported: console.spice (VMs only)',
      ],
      [() => connector.migrateGuest('lxc/102', { targetNode: 'pve1', online: true }), live],
      // Running, so live by default: PVE would restart it, the contract says no.
      [() => connector.migrateGuest('lxc/102', { targetNode: 'pve1' }), live],
    ];
    for (const [call, message] of refusals) {
      const error = await rejection(call());
      expect(isHypervisorError(error, 'UNSUPPORTED'), String(error)).toBe(true);
      expect(error).toMatchObject({ message });
    }
    expect(writes()).toBe(before);
    expect(target.fake.guest(102)?.status).toBe('running');
  });
});

describe('ticket renewal on the fake clock', () => {
  it('renews the ticket before the 2 h expiry, so calls never meet a 401', async () => {
    const renewal = await startFakeTarget();
    try {
      const { fake, server } = renewal;
      const connector = createProxmoxConnector(
        {
          endpoints: [server.url],
          credentials: { username: fake.credentials.username, password: fake.credentials.password },
          tls: { fingerprint: server.fingerprint },
          ticketRenewAfterMs: 60 * 60_000,
        },
        { now: () => fake.clock.now() },
      );
      opened.push(connector);
      const logins = () =>
        fake.requests.filter((r) => r.method === 'POST' && r.path === '/access/ticket').length;
      await connector.listNodes();
      for (let hour = 1; hour <= 5; hour++) {
        fake.clock.advance(70 * 60_000);
        await connector.listNodes();
      }
      expect(logins()).toBe(6);
      expect(fake.requests.filter((r) => r.status === 401)).toEqual([]);
    } finally {
      await renewal.close();
    }
  });

  it('moves on to the next VMID when another creator takes the proposed one first', async () => {
    const connector = connect('token');
    const other = connect('ticket');
    const proposed = Number(await connector.raw('GET', '/cluster/nextid'));
    const nextids = requestsTo('GET', /^\/cluster\/nextid/);
    const creates = requestsTo('POST', /^\/nodes\/[^/]+\/qemu$/);
    // The connector's create reaches the fake late; meanwhile another client takes the id it was proposed.
    target.fake.faults.add({ method: 'POST', path: '/nodes/{node}/qemu', latencyMs: 300, times: 1 });
    const creating = connector.createGuest(KIT_SPECS.vm('fake-test-vm'));
    await vi.waitFor(() => expect(requestsTo('GET', /^\/cluster\/nextid/)).toBeGreaterThan(nextids));
    const { osTemplate } = KIT_SPECS.container('fake-test-ct');
    const taken = await other.raw('POST', '/nodes/pve2/lxc', { vmid: proposed, ostemplate: osTemplate });
    const operation = await creating;
    expect(operation.guestId).toBe(`qemu/${proposed + 1}`);
    expect(requestsTo('POST', /^\/nodes\/[^/]+\/qemu$/) - creates).toBe(2);
    await connector.waitForOperation(operation.id);
    expect((await connector.getGuest(operation.guestId!)).type).toBe('vm');
    await other.waitForOperation(
      encodeOperationId({ type: 'create', guestId: `lxc/${proposed}`, upid: String(taken) }),
    );
    for (const id of [operation.guestId!, `lxc/${proposed}`]) {
      await connector.waitForOperation((await connector.deleteGuest(id)).id);
    }
  });
});
