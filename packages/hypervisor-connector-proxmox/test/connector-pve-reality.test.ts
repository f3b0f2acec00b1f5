import { request as httpsRequest } from 'node:https';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { encodeOperationId } from '../src/tasks/operation-id.js';
import { type FakeTarget, startFakeTarget } from './support/pve-fake-target.js';

// Behaviours of real PVE clusters (reproduced by the fake from Proxmox's sources) and how the connector meets them.
let target: FakeTarget;
const opened: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  target = await startFakeTarget({ taskDurationMs: 20 });
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await target.close();
});
beforeEach(() => {
  target.fake.faults.clear();
});

function connect(...args: Parameters<FakeTarget['connect']>) {
  const connector = target.connect(...args);
  opened.push(connector);
  return connector;
}

describe('lost quorum', () => {
  it('is a retryable UNAVAILABLE for starts and config writes, and both work once quorum is back', async () => {
    const connector = connect('token');
    await connector.listGuests();
    target.fake.setQuorate(false);
    try {
      const start = await rejection(connector.startGuest('qemu/101'));
      expect(isHypervisorError(start, 'UNAVAILABLE')).toBe(true);
      expect(start).toMatchObject({
        retryable: true,
        mayHaveBeenApplied: false,
        details: { reason: 'no-quorum' },
      });
      const update = await rejection(connector.updateGuest('qemu/101', { description: 'quorum' }));
      expect(isHypervisorError(update, 'UNAVAILABLE')).toBe(true);
      expect(update).toMatchObject({ retryable: true });
      // Reads keep working without quorum.
      expect((await connector.getGuest('qemu/101')).state).toBe('stopped');
    } finally {
      target.fake.setQuorate(true);
    }
    await connector.waitForOperation((await connector.startGuest('qemu/101')).id);
    expect(target.fake.guest(101)?.status).toBe('running');
    await connector.waitForOperation((await connector.stopGuest('qemu/101')).id);
  });
});

describe('/cluster/resources entries without an RRD row', () => {
  it('lists a guest created since pvestatd last ran with its real name, CPUs and memory', async () => {
    const connector = connect('token');
    await connector.listGuests();
    target.fake.pvestatdRound();
    const operation = await connector.createGuest({
      type: 'vm',
      name: 'fresh-from-rrd',
      cpus: 2,
      memoryMiB: 1024,
      disks: [{ sizeGiB: 4 }],
    });
    await connector.waitForOperation(operation.id);
    const listed = (await connector.listGuests()).find((g) => g.id === operation.guestId);
    // PVE sent the bare entry: no name, maxcpu or maxmem.
    expect(listed?.raw).toMatchObject({ status: 'unknown' });
    expect(listed?.raw.maxcpu).toBeUndefined();
    expect(listed).toMatchObject({
      name: 'fresh-from-rrd',
      state: 'stopped',
      template: false,
      resources: { cpus: 2, memoryBytes: 1024 * 1024 * 1024 },
    });
    await connector.waitForOperation((await connector.deleteGuest(listed?.id ?? '')).id);
  });
});

describe('paused VMs', () => {
  it('are paused where the connector reads the guest itself, also in the QMP states PVE counts as paused', async () => {
    const connector = connect('token');
    target.fake.pvestatdRound();
    await connector.waitForOperation((await connector.suspendGuest('qemu/100')).id);
    // pvestatd has not run since: the listing still says running, as on PVE; the guest's own status says paused.
    expect((await connector.listGuests()).find((g) => g.id === 'qemu/100')?.state).toBe('running');
    expect((await connector.getGuest('qemu/100')).state).toBe('paused');
    target.fake.clock.advance(10_000);
    expect((await connector.listGuests()).find((g) => g.id === 'qemu/100')?.state).toBe('paused');
    await connector.waitForOperation((await connector.resumeGuest('qemu/100')).id);

    // A VM held before its first instruction (`prelaunch`, qemu-server's vm_is_paused) is paused and resumable.
    const vm = target.fake.guest(100);
    if (!vm) throw new Error('the seeded VM is missing');
    vm.qmpstatus = 'prelaunch';
    expect((await connector.getGuest('qemu/100')).state).toBe('paused');
    await connector.waitForOperation((await connector.resumeGuest('qemu/100')).id);
    expect(vm.qmpstatus).toBe('running');
  });

  it('are paused in a listing that completes an entry without its RRD row', async () => {
    const connector = connect('token');
    const vm = target.fake.guest(100);
    if (!vm) throw new Error('the seeded VM is missing');
    target.fake.pvestatdRound();
    vm.qmpstatus = 'paused';
    try {
      // A guest that pvestatd has not sampled yet: created behind the fake's back, as a guest created a moment ago.
      target.fake.cluster.guests.delete(100);
      target.fake.cluster.guests.set(100, { ...vm });
      const listed = (await connector.listGuests()).find((g) => g.id === 'qemu/100');
      expect(listed?.raw.maxcpu).toBeUndefined();
      expect(listed).toMatchObject({ state: 'paused', name: 'seed-vm-running' });
    } finally {
      const copy = target.fake.guest(100);
      if (copy) copy.qmpstatus = 'running';
      target.fake.cluster.guests.set(100, vm);
      vm.qmpstatus = 'running';
    }
  });
});

describe('pending configuration', () => {
  it('reports what a running VM runs with and shows the rest as pending until it restarts', async () => {
    const connector = connect('token');
    const before = await connector.getGuest('qemu/100');
    expect(before.state).toBe('running');
    const cpus = before.resources.cpus + 2;
    const memoryMiB = before.resources.memoryBytes / 2 ** 20 + 512;
    await connector.updateGuest('qemu/100', { cpus, memoryMiB, description: 'pending test' });
    const running = await connector.getGuest('qemu/100');
    expect(running.resources).toMatchObject({
      cpus: before.resources.cpus,
      memoryBytes: before.resources.memoryBytes,
    });
    expect(running.raw.pending).toMatchObject({ cores: String(cpus), memory: String(memoryMiB) });

    await connector.waitForOperation((await connector.rebootGuest('qemu/100')).id);
    const rebooted = await connector.getGuest('qemu/100');
    expect(rebooted.resources).toMatchObject({ cpus, memoryBytes: memoryMiB * 2 ** 20 });
    expect(rebooted.raw.pending).toBeUndefined();
  });
});

describe('pools without Pool.Audit', () => {
  it('scopes a connector to a nested pool whose credential holds only VM privileges on it', async () => {
    const { fake } = target;
    fake.cluster.pools.set('prod', { poolid: 'prod' });
    fake.cluster.pools.set('prod/web', { poolid: 'prod/web' });
    const vm = fake.guest(101);
    if (!vm) throw new Error('the seeded VM is missing');
    vm.pool = 'prod/web';
    try {
      const token = fake.addToken('root@pam', 'web-admin', { privsep: true });
      fake.setAcl({ path: '/pool/prod/web', roles: 'PVEVMAdmin', token: token.tokenId });
      const connector = connect('token', {
        credentials: { tokenId: token.tokenId, secret: token.secret },
        pool: 'prod/web',
      });
      const listed = await connector.listGuests();
      expect(listed.map((g) => g.id)).toEqual(['qemu/101']);
      expect(listed[0]?.pool).toBe('prod/web');
      expect((await connector.getGuest('qemu/101')).pool).toBe('prod/web');
      await connector.waitForOperation((await connector.startGuest('qemu/101')).id);
      await connector.waitForOperation((await connector.stopGuest('qemu/101')).id);
      expect(isHypervisorError(await rejection(connector.getGuest('qemu/100')), 'NOT_FOUND')).toBe(true);
    } finally {
      vm.pool = undefined;
    }
  });
});

describe('59x after a write was sent', () => {
  it('says the write may have been applied and hands over the operation PVE started', async () => {
    // A fake of its own: its clock has not been moved ahead of ours, as a node's clock is not.
    const own = await startFakeTarget({ taskDurationMs: 20 });
    const connector = own.connect('token');
    opened.push(connector, own);
    await connector.getGuest('qemu/101');
    own.fake.faults.add({
      method: 'POST',
      path: '/nodes/{node}/qemu/{vmid}/status/start',
      status: 596,
      applied: true,
      times: 1,
    });
    const error = await rejection(connector.startGuest('qemu/101'));
    expect(isHypervisorError(error, 'UNAVAILABLE')).toBe(true);
    expect(error).toMatchObject({ mayHaveBeenApplied: true, retryable: false });
    const operationId = (error as { operationId?: string }).operationId;
    expect(operationId).toBeDefined();
    const done = await connector.waitForOperation(operationId ?? '');
    expect(done).toMatchObject({ status: 'succeeded', type: 'start', guestId: 'qemu/101' });
    expect(own.fake.guest(101)?.status).toBe('running');

    // 595: the request never reached the node — retryable, nothing applied.
    own.fake.faults.add({
      method: 'POST',
      path: '/nodes/{node}/qemu/{vmid}/status/stop',
      status: 595,
      times: 1,
    });
    const refused = await rejection(connector.stopGuest('qemu/101'));
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', mayHaveBeenApplied: false, retryable: true });
    await connector.waitForOperation((await connector.stopGuest('qemu/101')).id);
  });
});

describe('operation ids', () => {
  it('do not reveal the token id, yet find the task; ids with the whole UPID still work', async () => {
    const connector = connect('token');
    const tokenId = target.fake.credentials.tokenId;
    const tokenName = tokenId.slice(tokenId.indexOf('!') + 1);
    const started = await connector.startGuest('qemu/101');
    const text = Buffer.from(started.id.slice('pve1.'.length), 'base64url').toString('utf8');
    expect(text).not.toContain(tokenName);
    expect(JSON.stringify(started)).not.toContain(tokenName);
    const done = await connector.waitForOperation(started.id);
    expect(done.status).toBe('succeeded');
    expect(JSON.stringify(done)).not.toContain(tokenName);
    expect(JSON.stringify(await connector.getOperation(started.id))).not.toContain(tokenName);

    // The task PVE knows has the token in its UPID, and an id carrying it whole (as before) is still understood.
    const upid = [...target.fake.requests]
      .reverse()
      .map((r) => /\/tasks\/([^/]+)\/status$/.exec(r.path)?.[1])
      .find((u) => u !== undefined);
    expect(decodeURIComponent(upid ?? '')).toContain(`:${tokenId}:`);
    const whole = encodeOperationId({
      type: 'start',
      guestId: 'qemu/101',
      upid: decodeURIComponent(upid ?? ''),
    });
    expect((await connector.getOperation(whole)).status).toBe('succeeded');

    target.fake.failNextTask({ type: 'qmstop', vmid: 101, message: 'stop failed' });
    const failed = await rejection(connector.waitForOperation((await connector.stopGuest('qemu/101')).id));
    expect(isHypervisorError(failed, 'OPERATION_FAILED')).toBe(true);
    expect(JSON.stringify(failed)).not.toContain(tokenName);
    await connector.waitForOperation((await connector.stopGuest('qemu/101')).id);
  });
});

describe('live migration with local disks', () => {
  it('checks PVE precondition first and copies local disks, or names them when the caller forbids it', async () => {
    const connector = connect('token');
    const vm = target.fake.guest(100);
    expect(vm?.status).toBe('running');
    const posts = () =>
      target.fake.requests.filter((r) => r.method === 'POST' && /\/qemu\/100\/migrate$/.test(r.path));
    const before = posts().length;
    const refused = await rejection(
      connector.migrateGuest('qemu/100', {
        targetNode: 'pve2',
        providerOptions: { proxmox: { 'with-local-disks': 0 } },
      }),
    );
    expect(isHypervisorError(refused, 'CONFLICT')).toBe(true);
    expect((refused as Error).message).toMatch(/local-lvm:vm-100-disk-\d/);
    expect(posts().length).toBe(before);

    const moved = await connector.waitForOperation(
      (await connector.migrateGuest('qemu/100', { targetNode: 'pve2' })).id,
    );
    expect(moved.status).toBe('succeeded');
    expect(target.fake.guest(100)?.node).toBe('pve2');
    await connector.waitForOperation((await connector.migrateGuest('qemu/100', { targetNode: 'pve1' })).id);
    expect(target.fake.guest(100)?.node).toBe('pve1');
  });
});

describe('concurrent clones', () => {
  it('get different VMIDs from one connector although /cluster/nextid offers both the same', async () => {
    const racy = await startFakeTarget({ taskDurationMs: 300, workerStartMs: 100 });
    const connector = racy.connect('token');
    opened.push(connector, racy);
    const [a, b] = await Promise.all([
      connector.cloneGuest('qemu/9000', { name: 'race-a' }),
      connector.cloneGuest('qemu/9000', { name: 'race-b' }),
    ]);
    expect(a.guestId).not.toBe(b.guestId);
    const done = await Promise.all([connector.waitForOperation(a.id), connector.waitForOperation(b.id)]);
    expect(done.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
  });
});

describe('HA-managed guests', () => {
  it('succeed only once the HA manager has changed the guest, and fail with its error state', async () => {
    const connector = connect('token');
    const vm = target.fake.guest(101);
    if (!vm) throw new Error('the seeded VM is missing');
    vm.ha = { state: 'stopped', managerState: 'stopped' };
    try {
      const started = await connector.startGuest('qemu/101');
      const upid = String(started.raw?.upid);
      expect(upid).toContain(':hastart:101:');
      // The hastart task has ended OK; the HA manager (500 ms in the fake) has not started the guest yet.
      const task = target.fake.task(upid.replace(/:@:$/, `:${target.fake.credentials.tokenId}:`));
      await vi.waitFor(() => expect(task?.exitstatus).toBe('OK'));
      expect(vm.status).toBe('stopped');
      expect((await connector.getOperation(started.id)).status).toBe('running');
      const done = await connector.waitForOperation(started.id);
      expect(done.status).toBe('succeeded');
      expect(vm.status).toBe('running');

      vm.ha.fails = true;
      const stopped = await connector.stopGuest('qemu/101');
      const failed = await rejection(connector.waitForOperation(stopped.id));
      expect(isHypervisorError(failed, 'OPERATION_FAILED')).toBe(true);
      expect((failed as Error).message).toContain('HA state error');
      expect(vm.status).toBe('running');
    } finally {
      vm.ha = undefined;
    }
    await connector.waitForOperation((await connector.stopGuest('qemu/101')).id);
  });
});

describe('starts PVE makes in a task of their own', () => {
  it('a reboot succeeds once the VM runs again, and fails with the restart that failed', async () => {
    const connector = connect('token');
    const rebooted = await connector.waitForOperation((await connector.rebootGuest('qemu/100')).id);
    // qmreboot ended with the VM off; the operation waited for the qmstart that qm cleanup forked.
    expect(rebooted.status).toBe('succeeded');
    expect(target.fake.guest(100)?.status).toBe('running');

    target.fake.failNextTask({
      type: 'qmstart',
      vmid: 100,
      message: 'start failed: QEMU exited with code 1',
    });
    const failed = await rejection(connector.waitForOperation((await connector.rebootGuest('qemu/100')).id));
    expect(isHypervisorError(failed, 'OPERATION_FAILED')).toBe(true);
    expect((failed as Error).message).toContain('start failed: QEMU exited with code 1');
    await connector.waitForOperation((await connector.startGuest('qemu/100')).id);
  });

  it('a create with start succeeds once the guest runs, and fails when its start task fails', async () => {
    const connector = connect('token');
    const spec = { type: 'vm' as const, cpus: 1, memoryMiB: 512, disks: [{ sizeGiB: 1 }], start: true };
    const created = await connector.createGuest({ ...spec, name: 'started-after' });
    const done = await connector.waitForOperation(created.id);
    expect(done.status).toBe('succeeded');
    expect((await connector.getGuest(created.guestId ?? '')).state).toBe('running');

    target.fake.failNextTask({ type: 'qmstart', message: 'start failed: QEMU exited with code 1' });
    const broken = await connector.createGuest({ ...spec, name: 'never-started' });
    const failed = await rejection(connector.waitForOperation(broken.id));
    expect(isHypervisorError(failed, 'OPERATION_FAILED')).toBe(true);
    expect((failed as Error).message).toContain('did not start');
    expect((await connector.getGuest(broken.guestId ?? '')).state).toBe('stopped');
    await connector.waitForOperation((await connector.stopGuest(created.guestId ?? '')).id);
    for (const id of [created.guestId, broken.guestId]) {
      await connector.waitForOperation((await connector.deleteGuest(id ?? '')).id);
    }
  });
});

describe("guests moved behind the connector's back", () => {
  it('are found on their new node for calls PVE refuses or would fail in the task, and NOT_FOUND once gone', async () => {
    const connector = connect('token');
    await connector.listGuests(); // qemu/100 cached on pve1
    const vm = target.fake.guest(100);
    if (!vm) throw new Error('the seeded VM is missing');
    // Migrated by someone else (another client, the HA manager).
    vm.node = 'pve3';
    try {
      // reset: qemu-server answers `unable to find configuration file for VM 100 on node 'pve1'` at once.
      await connector.waitForOperation((await connector.resetGuest('qemu/100')).id);
      vm.node = 'pve2';
      // shutdown and stop on the old node would fail only inside their task: the connector looks first.
      const shutdown = await connector.shutdownGuest('qemu/100');
      expect(shutdown.raw?.node).toBe('pve2');
      await connector.waitForOperation(shutdown.id);
      expect(vm.status).toBe('stopped');
      vm.node = 'pve1';
      await connector.waitForOperation((await connector.startGuest('qemu/100')).id);
      vm.node = 'pve3';
      const stop = await connector.stopGuest('qemu/100');
      expect(stop.raw?.node).toBe('pve3');
      await connector.waitForOperation(stop.id);
      expect(vm.status).toBe('stopped');
      // Gone from the cluster: NOT_FOUND, not INTERNAL.
      target.fake.cluster.guests.delete(100);
      const gone = await rejection(connector.resetGuest('qemu/100'));
      expect(isHypervisorError(gone, 'NOT_FOUND')).toBe(true);
    } finally {
      target.fake.cluster.guests.set(100, vm);
      vm.node = 'pve1';
    }
    await connector.waitForOperation((await connector.startGuest('qemu/100')).id);
  });
});

describe('guests of a node that is down', () => {
  it('are unknown, not running, while /cluster/resources still carries their last RRD row', async () => {
    const connector = connect('token');
    target.fake.pvestatdRound();
    target.fake.setNodeOnline('pve2', false);
    try {
      const listed = (await connector.listGuests()).find((g) => g.id === 'lxc/102');
      // PVE still says running (pvestatd's row lives 5 minutes); the node entry says offline.
      expect(listed?.raw).toMatchObject({ status: 'running', node: 'pve2' });
      expect(listed?.state).toBe('unknown');
      expect((await connector.listGuests()).find((g) => g.id === 'qemu/100')?.state).toBe('running');
    } finally {
      target.fake.setNodeOnline('pve2', true);
    }
    expect((await connector.listGuests()).find((g) => g.id === 'lxc/102')?.state).toBe('running');
  });

  it('are told from the node entries of the listing itself: one /cluster/resources read', async () => {
    const connector = connect('token');
    target.fake.pvestatdRound();
    target.fake.setNodeOnline('pve2', false);
    try {
      const reads = () =>
        target.fake.requests.filter((r) => r.method === 'GET' && r.path === '/cluster/resources').length;
      const before = reads();
      const listed = await connector.listGuests();
      expect(reads() - before).toBe(1);
      expect(listed.find((g) => g.id === 'lxc/102')?.state).toBe('unknown');
      expect(listed.find((g) => g.id === 'qemu/100')?.state).toBe('running');
      // The nodes, storages and pools the same read lists are not guests.
      expect(listed.every((g) => /^(qemu|lxc)\/\d+$/.test(g.id))).toBe(true);
    } finally {
      target.fake.setNodeOnline('pve2', true);
    }
  });
});

describe('busy guests', () => {
  it('name the running task without the token id', async () => {
    const slow = await startFakeTarget({ taskDurationMs: 60_000 });
    const connector = slow.connect('token');
    opened.push(connector, slow);
    const tokenId = slow.fake.credentials.tokenId;
    await connector.resetGuest('qemu/100');
    const busy = await rejection(connector.resetGuest('qemu/100'));
    expect(isHypervisorError(busy, 'CONFLICT')).toBe(true);
    expect(String((busy as { details?: { upid?: string } }).details?.upid)).toMatch(/:qmreset:100:@:$/);
    expect(JSON.stringify(busy)).not.toContain(tokenId.slice(tokenId.indexOf('!')));
    slow.fake.finishTasks();
  });
});

describe('snapshot names', () => {
  it('are INVALID_ARGUMENT before any request when PVE would refuse them, per guest type', async () => {
    const connector = connect('token');
    await connector.listGuests();
    await connector.describe(); // the capability gate's privileges, read once
    const sent = target.fake.requests.length;
    for (const [guestId, name] of [
      ['qemu/100', 'a'],
      ['qemu/100', 'Pending'],
      ['qemu/100', 'current'],
      ['lxc/102', 'vzdump'],
    ] as const) {
      const refused = await rejection(connector.createSnapshot(guestId, { name }));
      expect(isHypervisorError(refused, 'INVALID_ARGUMENT'), `${guestId} ${name}`).toBe(true);
      expect(refused).toMatchObject({ details: { violations: [{ field: 'name' }] } });
    }
    const rollback = await rejection(connector.rollbackSnapshot('qemu/100', 'x'));
    expect(isHypervisorError(rollback, 'INVALID_ARGUMENT')).toBe(true);
    expect(target.fake.requests.slice(sent).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // A name reserved for one type only is an ordinary name for the other.
    await connector.waitForOperation((await connector.createSnapshot('lxc/102', { name: 'pending' })).id);
    expect((await connector.listSnapshots('lxc/102')).map((s) => s.name)).toContain('pending');
    await connector.waitForOperation((await connector.deleteSnapshot('lxc/102', 'pending')).id);
  });
});

describe('consoles', () => {
  it('hand over the port, the ticket with its VNC password prefix, and the 10 s the proxy waits for the client', async () => {
    const connector = connect('ticket');
    const before = Date.now();
    const vnc = await connector.openConsole('qemu/100', { protocol: 'vnc' });
    const after = Date.now();
    // qemu-server returns the VNC password and prefixes the ticket with it; PVE's ticket check strips the prefix.
    expect(vnc.password).toMatch(/^[!-`]{8}$/);
    expect(vnc.ticket.startsWith(`${vnc.password}:PVEVNC:`)).toBe(true);
    expect(vnc.websocketUrl).toBe(
      `${target.server.url.replace(/^https:/, 'wss:')}/api2/json/nodes/pve1/qemu/100/vncwebsocket?port=${vnc.port}`,
    );
    expect(JSON.stringify(vnc.raw)).not.toContain(vnc.password);
    const expiresAt = Date.parse(vnc.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 10_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 10_000);
    const terminal = await connector.openConsole('lxc/102', { protocol: 'terminal' });
    expect(terminal.password).toBeUndefined();
    expect(terminal.ticket).toMatch(/^PVEVNC:/);
    expect(terminal.expiresAt).toBeDefined();
  });
});

describe('console websockets', () => {
  /**
   * Sends a websocket upgrade over the fake's HTTPS: 101 and the accept key, or the status PVE answered. `cookie` is
   * a ticket, or `PVEAPIToken=…` to authenticate with an API token.
   */
  function upgrade(url: string, cookie: string): Promise<{ status: number; accept?: string }> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest(url.replace(/^wss:/, 'https:'), {
        rejectUnauthorized: false, // the fake's self-signed certificate; the point here is the upgrade
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          ...(cookie.startsWith('PVEAPIToken=')
            ? { Authorization: cookie }
            : { Cookie: `PVEAuthCookie=${encodeURIComponent(cookie)}` }),
        },
      });
      request.on('upgrade', (response, socket) => {
        socket.destroy();
        resolve({
          status: response.statusCode ?? 0,
          accept: String(response.headers['sec-websocket-accept']),
        });
      });
      request.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      });
      request.on('error', reject);
      request.end();
    });
  }

  it('open with an API token too: PVE leaves allowtoken on for vncproxy and vncwebsocket', async () => {
    const connector = connect('token');
    const vnc = await connector.openConsole('qemu/100', { protocol: 'vnc' });
    const { tokenId, tokenSecret } = target.fake.credentials;
    const opened = await upgrade(
      `${vnc.websocketUrl}&vncticket=${encodeURIComponent(vnc.ticket)}`,
      `PVEAPIToken=${tokenId}=${tokenSecret}`,
    );
    expect(opened.status).toBe(101);
  });

  it('open with the websocketUrl and the URL-encoded ticket, for the ticket’s own port only', async () => {
    const connector = connect('ticket');
    const vnc = await connector.openConsole('qemu/100', { protocol: 'vnc' });
    const login = await target.fake.handle(
      new Request(`${target.server.url}/api2/json/access/ticket`, {
        method: 'POST',
        body: new URLSearchParams({
          username: target.fake.credentials.username,
          password: target.fake.credentials.password,
        }),
      }),
    );
    const cookie = ((await login.json()) as { data: { ticket: string } }).data.ticket;
    const opened = await upgrade(`${vnc.websocketUrl}&vncticket=${encodeURIComponent(vnc.ticket)}`, cookie);
    expect(opened).toEqual({ status: 101, accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' });
    const terminal = await connector.openConsole('lxc/102', { protocol: 'terminal' });
    expect(
      (await upgrade(`${terminal.websocketUrl}&vncticket=${encodeURIComponent(terminal.ticket)}`, cookie))
        .status,
    ).toBe(101);
    // The ticket is bound to the port vncproxy opened, and PVE's ticket check needs it at all.
    const otherPort = vnc.websocketUrl?.replace(
      /port=\d+/,
      `port=${vnc.port === 5999 ? 5998 : (vnc.port ?? 0) + 1}`,
    );
    expect((await upgrade(`${otherPort}&vncticket=${encodeURIComponent(vnc.ticket)}`, cookie)).status).toBe(
      401,
    );
    expect((await upgrade(`${vnc.websocketUrl}`, cookie)).status).toBe(400);
  });
});
