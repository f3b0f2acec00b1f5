import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPveFake, type PveFake, type PveFakeServer } from '../src/index.js';
import { createRawClient, type RawPveClient } from './support/raw-client.js';

// Behaviours of real PVE clusters the fake reproduces, each checked over the fake's HTTPS server.
let fake: PveFake;
let server: PveFakeServer;
let pve: RawPveClient;
beforeAll(async () => {
  fake = createPveFake({
    nodes: 2,
    guests: [
      { type: 'qemu', vmid: 100, name: 'running-vm', status: 'running', node: 'pve1' },
      { type: 'qemu', vmid: 101, name: 'stopped-vm', node: 'pve1' },
    ],
    taskDurationMs: 10,
  });
  server = await fake.listen();
  pve = createRawClient(server, { token: fake.credentials.tokenId, secret: fake.credentials.tokenSecret });
});
afterAll(async () => {
  await pve.close();
  await fake.close();
});

type Data<T> = { data: T; message?: string };

describe('lost quorum', () => {
  it('refuses starts, creates and config writes as PVE does, keeps reads, and reports quorate: 0', async () => {
    // Every task of the node, running or ended (the cluster index holds 25 a node, so it could hide a new one).
    const tasks = async () =>
      (
        (await pve.call('GET', '/nodes/pve1/tasks', { source: 'all' })).body as Data<unknown[]> & {
          total: number;
        }
      ).total;
    const tasksBefore = await tasks();
    fake.setQuorate(false);
    try {
      const start = await pve.call('POST', '/nodes/pve1/qemu/101/status/start');
      expect(start.status).toBe(500);
      expect(start.reason).toBe('cluster not ready - no quorum?');
      const create = await pve.call('POST', '/nodes/pve1/qemu', { vmid: 150 });
      expect(create.reason).toBe('cluster not ready - no quorum?');
      const put = await pve.call('PUT', '/nodes/pve1/qemu/101/config', { description: 'x' });
      expect(put.status).toBe(500);
      expect(put.reason).toMatch(
        /^unable to open file '\/etc\/pve\/nodes\/pve1\/qemu-server\/101\.conf\.tmp\.\d+' - Permission denied$/,
      );
      const status = (await pve.call('GET', '/cluster/status')).body as Data<Array<Record<string, unknown>>>;
      expect(status.data.find((e) => e.type === 'cluster')).toMatchObject({ quorate: 0 });
      expect((await pve.call('GET', '/cluster/resources', { type: 'vm' })).status).toBe(200);
      expect(fake.guest(101)?.status).toBe('stopped');
      expect(await tasks()).toBe(tasksBefore);
    } finally {
      fake.setQuorate(true);
    }
    const start = (await pve.call('POST', '/nodes/pve1/qemu/101/status/start')).body as Data<string>;
    expect(start.data).toMatch(/^UPID:pve1:/);
    await fake.settleTasks();
    expect(fake.guest(101)?.status).toBe('running');
  });
});

describe('/cluster/resources entries without an RRD row', () => {
  it('lists a guest created since pvestatd last ran with only id, vmid, node, type and status unknown', async () => {
    const entries = async () =>
      (
        (await pve.call('GET', '/cluster/resources', { type: 'vm' })).body as Data<
          Array<Record<string, unknown>>
        >
      ).data;
    fake.pvestatdRound();
    const created = (await pve.call('POST', '/nodes/pve2/qemu', { vmid: 160, name: 'fresh', cores: 2 }))
      .body as Data<string>;
    expect(created.data).toMatch(/^UPID:/);
    await fake.settleTasks();
    expect((await entries()).find((e) => e.vmid === 160)).toEqual({
      id: 'qemu/160',
      vmid: 160,
      node: 'pve2',
      type: 'qemu',
      status: 'unknown',
    });
    // The seeded guests keep the row of the last round.
    expect((await entries()).find((e) => e.vmid === 101)).toMatchObject({ name: 'stopped-vm' });
    fake.clock.advance(10_000);
    expect((await entries()).find((e) => e.vmid === 160)).toMatchObject({
      name: 'fresh',
      status: 'stopped',
      maxcpu: 2,
      template: 0,
    });
  });
});

describe('paused VMs', () => {
  it('say running in /cluster/resources until pvestatd runs, and paused only in qmpstatus of their own status', async () => {
    fake.pvestatdRound();
    const upid = ((await pve.call('POST', '/nodes/pve1/qemu/100/status/suspend')).body as Data<string>).data;
    expect(upid).toMatch(/^UPID:/);
    await fake.settleTasks();
    const entry = async () =>
      (
        (await pve.call('GET', '/cluster/resources', { type: 'vm' })).body as Data<
          Array<Record<string, unknown>>
        >
      ).data.find((e) => e.vmid === 100);
    expect(await entry()).toMatchObject({ status: 'running' });
    const current = (await pve.call('GET', '/nodes/pve1/qemu/100/status/current')).body as Data<
      Record<string, unknown>
    >;
    expect(current.data).toMatchObject({ status: 'running', qmpstatus: 'paused' });
    const list = (await pve.call('GET', '/nodes/pve1/qemu')).body as Data<Array<Record<string, unknown>>>;
    const listed = list.data.find((e) => e.vmid === 100);
    expect(listed).toMatchObject({ status: 'running' });
    expect(listed?.qmpstatus).toBeUndefined();
    fake.clock.advance(10_000);
    expect(await entry()).toMatchObject({ status: 'paused' });
    await pve.call('POST', '/nodes/pve1/qemu/100/status/resume');
    await fake.settleTasks();
  });
});

describe('pending configuration', () => {
  it('keeps changes a running VM cannot take pending, shows them merged unless current=1, and applies them on stop', async () => {
    const vm = fake.guest(100);
    expect(vm?.status).toBe('running');
    const put = await pve.call('PUT', '/nodes/pve1/qemu/100/config', {
      cores: 4,
      memory: 4096,
      name: 'renamed',
    });
    expect(put.status).toBe(200);
    const merged = (await pve.call('GET', '/nodes/pve1/qemu/100/config')).body as Data<
      Record<string, unknown>
    >;
    expect(merged.data).toMatchObject({ cores: 4, name: 'renamed' });
    expect(String(merged.data.memory)).toBe('4096');
    const current = (await pve.call('GET', '/nodes/pve1/qemu/100/config', { current: 1 })).body as Data<
      Record<string, unknown>
    >;
    expect(current.data.cores).not.toBe(4);
    expect(current.data.name).toBe('renamed');
    const pending = (await pve.call('GET', '/nodes/pve1/qemu/100/pending')).body as Data<
      Array<Record<string, unknown>>
    >;
    expect(pending.data.find((i) => i.key === 'cores')).toMatchObject({ pending: '4' });
    expect(pending.data.find((i) => i.key === 'name')).toEqual({ key: 'name', value: 'renamed' });
    const status = (await pve.call('GET', '/nodes/pve1/qemu/100/status/current')).body as Data<
      Record<string, unknown>
    >;
    expect(status.data.cpus).not.toBe(4);

    await pve.call('POST', '/nodes/pve1/qemu/100/status/stop');
    await fake.settleTasks();
    expect(fake.guest(100)?.config).toMatchObject({ cores: 4 });
    expect(String(fake.guest(100)?.config.memory)).toBe('4096');
    expect(fake.guest(100)?.pending).toBeUndefined();
    await pve.call('POST', '/nodes/pve1/qemu/100/status/start');
    await fake.settleTasks();
  });
});

describe('pools without Pool.Audit', () => {
  it('drop pool from /cluster/resources, list members by poolid, and take nested names', async () => {
    expect((await pve.call('POST', '/pools', { poolid: 'prod/web' })).reason).toBe(
      "parent 'prod' of pool 'prod/web' does not exist",
    );
    expect((await pve.call('POST', '/pools', { poolid: 'prod' })).status).toBe(200);
    expect((await pve.call('POST', '/pools', { poolid: 'prod/web' })).status).toBe(200);
    const deep = await pve.call('POST', '/pools', { poolid: 'prod/web/a/b' });
    expect(deep.status).toBe(400);
    expect(JSON.stringify(deep.body)).toContain('nested too deeply (max levels = 3)');
    expect((await pve.call('PUT', '/pools', { poolid: 'prod/web', vms: '101' })).status).toBe(200);

    const token = fake.addToken('root@pam', 'vmadmin', { privsep: true });
    fake.setAcl({ path: '/pool/prod/web', roles: 'PVEVMAdmin', token: token.tokenId });
    const auth = { token: token.tokenId, secret: token.secret };
    const resources = (await pve.call('GET', '/cluster/resources', { type: 'vm' }, auth)).body as Data<
      Array<Record<string, unknown>>
    >;
    expect(resources.data.map((e) => e.id)).toEqual(['qemu/101']);
    expect(resources.data[0]?.pool).toBeUndefined();
    expect(((await pve.call('GET', '/pools', {}, auth)).body as Data<unknown[]>).data).toEqual([]);
    const pool = (await pve.call('GET', '/pools', { poolid: 'prod/web' }, auth)).body as Data<
      Array<{ poolid: string; members: Array<Record<string, unknown>> }>
    >;
    expect(pool.data[0]?.poolid).toBe('prod/web');
    expect(pool.data[0]?.members.map((m) => m.id)).toEqual(['qemu/101']);
    // Root, who has Pool.Audit, sees the pool in the entry.
    const rooted = (await pve.call('GET', '/cluster/resources', { type: 'vm' })).body as Data<
      Array<Record<string, unknown>>
    >;
    expect(rooted.data.find((e) => e.vmid === 101)?.pool).toBe('prod/web');
    await pve.call('PUT', '/pools', { poolid: 'prod/web', vms: '101', delete: 1 });
  });
});

describe('59x after the request was sent', () => {
  it('applies the write and then answers the proxy status, when the fault says so', async () => {
    fake.faults.add({
      method: 'POST',
      path: '/nodes/{node}/qemu/{vmid}/status/start',
      status: 596,
      applied: true,
      times: 1,
    });
    const answer = await pve.call('POST', '/nodes/pve1/qemu/101/status/stop');
    expect(answer.status).toBe(200);
    await fake.settleTasks();
    const lost = await pve.call('POST', '/nodes/pve1/qemu/101/status/start');
    expect(lost.status).toBe(596);
    expect(lost.body).toBeUndefined();
    await fake.settleTasks();
    expect(fake.guest(101)?.status).toBe('running');
    fake.faults.add({ method: 'POST', path: '/nodes/{node}/qemu/{vmid}/status/stop', status: 596, times: 1 });
    expect((await pve.call('POST', '/nodes/pve1/qemu/101/status/stop')).status).toBe(596);
    await fake.settleTasks();
    expect(fake.guest(101)?.status).toBe('running');
    await pve.call('POST', '/nodes/pve1/qemu/101/status/stop');
    await fake.settleTasks();
  });
});

describe('live migration with local disks', () => {
  it('fails in the task without with-local-disks, and moves the VM with it', async () => {
    const pre = (await pve.call('GET', '/nodes/pve1/qemu/100/migrate', { target: 'pve2' })).body as Data<{
      local_disks: Array<Record<string, unknown>>;
    }>;
    expect(pre.data.local_disks.length).toBeGreaterThan(0);
    expect(pre.data.local_disks[0]).toMatchObject({ is_attached: 1, cdrom: 0 });
    const volid = String(pre.data.local_disks[0]?.volid);
    const upid = (
      (await pve.call('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', online: 1 }))
        .body as Data<string>
    ).data;
    await fake.settleTasks();
    expect(fake.task(upid)).toMatchObject({ exitstatus: 'migration aborted' });
    expect(fake.task(upid)?.log).toContain(
      `can't migrate local disk '${volid}': can't live migrate attached local disks without with-local-disks option`,
    );
    expect(fake.guest(100)?.node).toBe('pve1');
    const moved = (
      (
        await pve.call('POST', '/nodes/pve1/qemu/100/migrate', {
          target: 'pve2',
          online: 1,
          'with-local-disks': 1,
        })
      ).body as Data<string>
    ).data;
    await fake.settleTasks();
    expect(fake.task(moved)?.exitstatus).toBe('OK');
    expect(fake.guest(100)?.node).toBe('pve2');
    await pve.call('POST', '/nodes/pve2/qemu/100/migrate', {
      target: 'pve1',
      online: 1,
      'with-local-disks': 1,
    });
    await fake.settleTasks();
  });
});

describe('concurrent QEMU clones to one id', () => {
  it('both pass the synchronous check; the later one fails inside its task, as qemu-server clone_vm does', async () => {
    const racy = createPveFake({
      guests: [{ type: 'qemu', vmid: 9000, name: 'tpl', template: true, node: 'pve1' }],
      taskDurationMs: 300,
      workerStartMs: 100,
    });
    const racyServer = await racy.listen();
    const client = createRawClient(racyServer, {
      token: racy.credentials.tokenId,
      secret: racy.credentials.tokenSecret,
    });
    try {
      const [a, b] = await Promise.all([
        client.call('POST', '/nodes/pve1/qemu/9000/clone', { newid: 300, name: 'a' }),
        client.call('POST', '/nodes/pve1/qemu/9000/clone', { newid: 300, name: 'b' }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      await racy.settleTasks();
      const exits = [a, b].map((r) => racy.task((r.body as Data<string>).data)?.exitstatus);
      expect(exits.sort()).toEqual([
        'OK',
        "can't lock file '/var/lock/qemu-server/lock-300.conf' - got timeout",
      ]);
      const late = await client.call('POST', '/nodes/pve1/qemu/9000/clone', { newid: 300, name: 'c' });
      expect(late).toMatchObject({
        status: 500,
        reason: 'unable to create VM 300: config file already exists',
      });
    } finally {
      await client.close();
      await racy.close();
    }
  });
});

describe('HA-managed guests', () => {
  it('queue start with a hastart task that ends before the LRM starts the guest as root@pam', async () => {
    const ha = createPveFake({
      guests: [{ type: 'qemu', vmid: 110, name: 'ha-vm', node: 'pve1', ha: 'stopped' }],
      taskDurationMs: 10,
      haConvergeMs: 100,
    });
    const haServer = await ha.listen();
    const client = createRawClient(haServer, {
      token: ha.credentials.tokenId,
      secret: ha.credentials.tokenSecret,
    });
    try {
      const upid = ((await client.call('POST', '/nodes/pve1/qemu/110/status/start')).body as Data<string>)
        .data;
      expect(upid).toContain(':hastart:110:');
      await ha.settleTasks();
      expect(ha.task(upid)).toMatchObject({ exitstatus: 'OK' });
      expect(ha.task(upid)?.log).toContain('Requesting HA start for VM 110');
      expect(ha.guest(110)?.status).toBe('stopped');
      const queued = (await client.call('GET', '/nodes/pve1/qemu/110/status/current')).body as Data<
        Record<string, unknown>
      >;
      expect(queued.data.ha).toEqual({ managed: 1, state: 'request_start' });
      await new Promise((resolve) => setTimeout(resolve, 150));
      await ha.settleTasks();
      expect(ha.guest(110)?.status).toBe('running');
      const lrm = await client.call('GET', '/nodes/pve1/tasks');
      const items = (lrm.body as Data<Array<Record<string, unknown>>>).data;
      expect(items.find((t) => t.type === 'qmstart')).toMatchObject({ user: 'root@pam', status: 'OK' });
    } finally {
      await client.close();
      await ha.close();
    }
  });
});

describe('starts in a task of their own', () => {
  type TaskItem = Record<string, unknown>;
  // Starts that run until the test ends them, so what the calling task leaves behind can be seen.
  let own: PveFake;
  let client: RawPveClient;
  beforeAll(async () => {
    own = createPveFake({
      guests: [
        { type: 'qemu', vmid: 100, name: 'running-vm', status: 'running', node: 'pve1' },
        { type: 'qemu', vmid: 101, name: 'stopped-vm', node: 'pve1' },
      ],
      taskDurationMs: { qmstart: 60_000, default: 10 },
    });
    const ownServer = await own.listen();
    client = createRawClient(ownServer, {
      token: own.credentials.tokenId,
      secret: own.credentials.tokenSecret,
    });
  });
  afterAll(async () => {
    await client.close();
    await own.close();
  });
  const tasksOf = async (vmid: number) =>
    ((await client.call('GET', '/nodes/pve1/tasks', { vmid, source: 'all' })).body as Data<TaskItem[]>).data;
  /** Waits for the task to end (not settleTasks: that would wait for the minute-long start it forks). */
  const ended = (upid: string) => vi.waitFor(() => expect(own.task(upid)?.status).toBe('stopped'));
  const post = async (path: string, params?: Record<string, string | number>) =>
    ((await client.call('POST', path, params)).body as Data<string>).data;

  it('a QEMU reboot ends with the VM off, and a qmstart as root@pam starts it again', async () => {
    const upid = await post('/nodes/pve1/qemu/100/status/reboot');
    await ended(upid);
    expect(own.task(upid)).toMatchObject({ exitstatus: 'OK' });
    expect(own.guest(100)?.status).toBe('stopped');
    const restart = (await tasksOf(100)).find((t) => t.type === 'qmstart');
    expect(restart).toMatchObject({ user: 'root@pam', status: 'RUNNING' });
    own.finishTasks();
    expect(own.guest(100)?.status).toBe('running');
    expect(own.task(String(restart?.upid))).toMatchObject({ exitstatus: 'OK' });
  });

  it('a create with start ends OK before its own qmstart, which can fail on its own', async () => {
    own.failNextTask({ type: 'qmstart', vmid: 170, message: 'start failed: QEMU exited with code 1' });
    const upid = await post('/nodes/pve1/qemu', { vmid: 170, name: 'start-after', start: 1 });
    await ended(upid);
    expect(own.task(upid)).toMatchObject({ exitstatus: 'OK' });
    const start = (await tasksOf(170)).find((t) => t.type === 'qmstart');
    // Forked as the caller, the token; a running task is listed from the active file, under the whole id.
    expect(start).toMatchObject({ user: 'root@pam!hvc', status: 'RUNNING' });
    expect(start).not.toHaveProperty('tokenid');
    own.finishTasks();
    expect(own.task(String(start?.upid))).toMatchObject({
      exitstatus: 'start failed: QEMU exited with code 1',
    });
    expect(own.guest(170)?.status).toBe('stopped');
  });

  it('a rollback with start starts the VM after the rollback task, once its lock is gone', async () => {
    await post('/nodes/pve1/qemu/101/snapshot', { snapname: 'before' });
    await own.settleTasks();
    const upid = await post('/nodes/pve1/qemu/101/snapshot/before/rollback', { start: 1 });
    await ended(upid);
    expect(own.task(upid)).toMatchObject({ exitstatus: 'OK' });
    expect(own.guest(101)?.status).toBe('stopped');
    own.finishTasks();
    expect(own.guest(101)?.status).toBe('running');
  });
});

describe('a guest not on the node asked', () => {
  it('fails as each qemu-server handler notices it: at once, or only in the task', async () => {
    const vm = fake.guest(100);
    if (!vm) throw new Error('the seeded VM is missing');
    vm.node = 'pve2';
    try {
      const status = await pve.call('GET', '/nodes/pve1/qemu/100/status/current');
      expect(status).toMatchObject({
        status: 500,
        reason: "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist",
      });
      for (const action of ['reset', 'reboot', 'suspend', 'resume']) {
        const refused = await pve.call('POST', `/nodes/pve1/qemu/100/status/${action}`);
        expect(refused, action).toMatchObject({
          status: 500,
          reason: "unable to find configuration file for VM 100 on node 'pve1'",
        });
      }
      const clone = await pve.call('POST', '/nodes/pve1/qemu/100/clone', { newid: 180 });
      expect(clone.reason).toBe("unable to find configuration file for VM 100 on node 'pve1'");
      const upids: Record<string, string> = {};
      for (const action of ['start', 'stop', 'shutdown']) {
        upids[action] = (
          (await pve.call('POST', `/nodes/pve1/qemu/100/status/${action}`)).body as Data<string>
        ).data;
      }
      await fake.settleTasks();
      expect(fake.task(upids.start ?? '')?.exitstatus).toBe(
        "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist",
      );
      for (const action of ['stop', 'shutdown']) {
        expect(fake.task(upids[action] ?? '')?.exitstatus, action).toBe(
          "unable to find configuration file for VM 100 on node 'pve1'",
        );
      }
      expect(vm.status).toBe('running');
    } finally {
      vm.node = 'pve1';
    }
  });
});

describe('guests of a node that is down', () => {
  it('keep their last RRD row for 5 minutes while the node entry is offline at once', async () => {
    const own = createPveFake({
      nodes: 2,
      guests: [{ type: 'qemu', vmid: 100, name: 'on-pve2', status: 'running', node: 'pve2' }],
    });
    const ownServer = await own.listen();
    const client = createRawClient(ownServer, {
      token: own.credentials.tokenId,
      secret: own.credentials.tokenSecret,
    });
    const list = async (type: string) =>
      (
        (await client.call('GET', '/cluster/resources', { type })).body as Data<
          Array<Record<string, unknown>>
        >
      ).data;
    try {
      own.setNodeOnline('pve2', false);
      expect((await list('node')).find((e) => e.node === 'pve2')).toMatchObject({ status: 'offline' });
      own.clock.advance(4 * 60_000);
      expect((await list('vm')).find((e) => e.vmid === 100)).toMatchObject({
        status: 'running',
        name: 'on-pve2',
      });
      own.clock.advance(2 * 60_000);
      expect((await list('vm')).find((e) => e.vmid === 100)).toEqual({
        id: 'qemu/100',
        vmid: 100,
        node: 'pve2',
        type: 'qemu',
        status: 'unknown',
      });
    } finally {
      await client.close();
      await own.close();
    }
  });
});

describe('the VM roles', () => {
  it('hold only VM privileges, as create_roles makes them: a disk needs Datastore.AllocateSpace granted apart', async () => {
    const token = fake.addToken('root@pam', 'vm-roles', { privsep: true });
    fake.setAcl({ path: '/', roles: 'PVEVMAdmin', token: token.tokenId });
    const auth = { token: token.tokenId, secret: token.secret };
    const perms = (await pve.call('GET', '/access/permissions', { path: '/storage/local-lvm' }, auth))
      .body as Data<Record<string, Record<string, number>>>;
    expect(Object.keys(perms.data['/storage/local-lvm'] ?? {}).filter((p) => !p.startsWith('VM.'))).toEqual(
      [],
    );
    const refused = await pve.call('POST', '/nodes/pve1/qemu', { vmid: 190, scsi0: 'local-lvm:1' }, auth);
    expect(refused).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)',
    });
    fake.setAcl({ path: '/storage', roles: 'PVEDatastoreUser', token: token.tokenId });
    const created = await pve.call('POST', '/nodes/pve1/qemu', { vmid: 190, scsi0: 'local-lvm:1' }, auth);
    expect((created.body as Data<string>).data).toMatch(/^UPID:pve1:/);
    await fake.settleTasks();
    await pve.call('DELETE', '/nodes/pve1/qemu/190');
    await fake.settleTasks();
  });
});

describe('snapshot names', () => {
  it('must be a pve-configid of 2+ characters, and the reserved names differ between QEMU and LXC', async () => {
    const names = createPveFake({
      guests: [
        { type: 'qemu', vmid: 120, name: 'snap-vm', node: 'pve1' },
        { type: 'lxc', vmid: 121, name: 'snap-ct', node: 'pve1' },
      ],
      taskDurationMs: 10,
    });
    const namesServer = await names.listen();
    const client = createRawClient(namesServer, {
      token: names.credentials.tokenId,
      secret: names.credentials.tokenSecret,
    });
    const snapshot = (type: 'qemu' | 'lxc', vmid: number, snapname: string) =>
      client.call('POST', `/nodes/pve1/${type}/${vmid}/snapshot`, { snapname });
    try {
      const oneLetter = await snapshot('qemu', 120, 'a');
      expect(oneLetter.status).toBe(400);
      const errors = (oneLetter.body as { errors: Record<string, string> }).errors;
      expect(errors.snapname).toMatch(/^invalid format - invalid configuration ID 'a'/);
      expect((await snapshot('lxc', 121, 'b')).status).toBe(400);
      expect((await snapshot('qemu', 120, 'Pending')).reason).toBe(
        "unable to use snapshot name 'pending' (reserved name)",
      );
      expect((await snapshot('lxc', 121, 'vzdump')).reason).toBe(
        "unable to use snapshot name 'vzdump' (reserved name)",
      );
      // Each type's reserved name is an ordinary one for the other.
      const qemuVzdump = (await snapshot('qemu', 120, 'vzdump')).body as Data<string>;
      const lxcPending = (await snapshot('lxc', 121, 'pending')).body as Data<string>;
      expect(qemuVzdump.data).toMatch(/^UPID:pve1:.*:qmsnapshot:120:/);
      expect(lxcPending.data).toMatch(/^UPID:pve1:.*:vzsnapshot:121:/);
      await names.settleTasks();
      expect(names.guest(120)?.snapshots.has('vzdump')).toBe(true);
      expect(names.guest(121)?.snapshots.has('pending')).toBe(true);
    } finally {
      await client.close();
      await names.close();
    }
  });
});

describe('console proxies', () => {
  it('give a QEMU VNC console a password and prefix its ticket with it, as qemu-server vncproxy does', async () => {
    const vnc = (await pve.call('POST', '/nodes/pve1/qemu/100/vncproxy', { websocket: 1 })).body as Data<
      Record<string, unknown>
    >;
    const password = String(vnc.data.password);
    expect(password).toMatch(/^[!-`]{8}$/);
    expect(String(vnc.data.ticket).startsWith(`${password}:PVEVNC:`)).toBe(true);
    const plain = (await pve.call('POST', '/nodes/pve1/qemu/100/vncproxy')).body as Data<
      Record<string, unknown>
    >;
    expect(plain.data.password).toMatch(/^[!-`]{8}$/);
    const term = (await pve.call('POST', '/nodes/pve1/qemu/100/termproxy')).body as Data<
      Record<string, unknown>
    >;
    expect(term.data.password).toBeUndefined();
    expect(String(term.data.ticket)).toMatch(/^PVEVNC:/);
  });

  it('end their task with "connection timed out" when no client attaches within the wait (vncproxy under timeout 10)', async () => {
    const open = async () =>
      (
        (await pve.call('POST', '/nodes/pve1/qemu/100/vncproxy', { websocket: 1 })).body as Data<
          Record<string, string>
        >
      ).data;
    const idle = await open();
    const asked = await open();
    // A plain GET of vncwebsocket checks the ticket and answers the port, but only pveproxy's websocket connects to
    // the proxy (fake-console-websocket.test.ts attaches one).
    const attach = await pve.call('GET', '/nodes/pve1/qemu/100/vncwebsocket', {
      port: String(asked.port),
      vncticket: String(asked.ticket),
    });
    expect(attach.status).toBe(200);
    expect((attach.body as Data<unknown>).data).toEqual({ port: String(asked.port) });
    const status = async (upid: string | undefined) =>
      (
        (await pve.call('GET', `/nodes/pve1/tasks/${encodeURIComponent(String(upid))}/status`)).body as Data<
          Record<string, unknown>
        >
      ).data;
    expect((await status(idle.upid)).status).toBe('running');
    fake.finishTasks();
    expect(await status(idle.upid)).toMatchObject({ status: 'stopped', exitstatus: 'connection timed out' });
    expect(await status(asked.upid)).toMatchObject({ status: 'stopped', exitstatus: 'connection timed out' });
  });
});
