import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake } from '../src/index.js';

type Body<T = unknown> = { data: T; message?: string; errors?: Record<string, string>; total?: number };

const BASE = 'https://pve.test:8006/api2/json';

describe('PVE fake semantics, in-process through msw', () => {
  let fake: PveFake;
  const server = setupServer();
  let headers: Record<string, string>;

  async function call<T = unknown>(
    method: string,
    path: string,
    params: Record<string, string | number> = {},
  ) {
    const form = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const inQuery = method === 'GET' || method === 'DELETE';
    const res = await fetch(`${BASE}${path}${inQuery && form.size ? `?${form}` : ''}`, {
      method,
      headers: inQuery ? headers : { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: inQuery ? undefined : form.toString(),
    });
    const text = await res.text();
    return {
      status: res.status,
      reason: res.statusText,
      body: (text.startsWith('{') ? JSON.parse(text) : undefined) as Body<T>,
    };
  }

  async function task(upid: string) {
    await fake.settleTasks();
    const node = upid.split(':')[1];
    return (
      await call<Record<string, unknown>>('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`)
    ).body.data;
  }

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    fake = createPveFake({
      nodes: 3,
      guests: [
        { vmid: 100, node: 'pve1', status: 'running' },
        { vmid: 101, node: 'pve1' },
        { vmid: 102, node: 'pve1', type: 'lxc', status: 'running' },
      ],
      taskDurationMs: 30_000,
    });
    server.resetHandlers(...fake.handlers);
    headers = { authorization: `PVEAPIToken=${fake.credentials.tokenId}=${fake.credentials.tokenSecret}` };
  });

  it('seeds "3 nodes, 200 VMs" round-robin and hands out the next id as a string', async () => {
    const big = createPveFake({ nodes: 3, guests: { qemu: 200 } });
    server.resetHandlers(...big.handlers);
    headers = { authorization: `PVEAPIToken=${big.credentials.tokenId}=${big.credentials.tokenSecret}` };
    const vms = (await call<{ node: string }[]>('GET', '/cluster/resources', { type: 'vm' })).body.data;
    expect(vms).toHaveLength(200);
    expect(vms.filter((v) => v.node === 'pve3')).toHaveLength(66);
    expect((await call('GET', '/cluster/nextid')).body.data).toBe('300');
    const taken = await call('GET', '/cluster/nextid', { vmid: 150 });
    expect(taken).toMatchObject({
      status: 400,
      reason: 'Parameter verification failed.',
      body: { errors: { vmid: 'VM 150 already exists' } },
    });
  });

  it('validates parameters like PVE: unknown names, booleans only 0/1, vmid range, path conflicts', async () => {
    const res = await call('POST', '/nodes/pve1/qemu/100/status/stop', {
      bogus: 1,
      skiplock: 'true',
      timeout: 'x',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      bogus: 'property is not defined in schema and the schema does not allow additional properties',
      skiplock: "type check ('boolean') failed - got 'true'",
      timeout: "type check ('integer') failed - got 'x'",
    });
    expect((await call('GET', '/nodes/pve1/qemu/99/config')).body.errors).toEqual({
      vmid: 'invalid format - value does not look like a valid VM ID\n',
    });
    expect((await call('POST', '/nodes/pve1/qemu', {})).body.errors).toEqual({
      vmid: 'property is missing and it is not optional',
    });
    expect((await call('GET', '/nodes/pve1/qemu/100/config', { vmid: 101 })).body.errors).toEqual({
      vmid: 'duplicate parameter (already defined in URI) with conflicting values!',
    });
    expect(await call('PATCH', '/version')).toMatchObject({
      status: 501,
      reason: "method 'PATCH' not available",
    });
  });

  it('holds the clone lock while the task runs: conflicting calls fail as PVE fails them', async () => {
    const upid = (await call<string>('POST', '/nodes/pve1/qemu/101/clone', { newid: 200, name: 'copy' })).body
      .data;
    expect(fake.guest(200)?.config.lock).toBe('clone');
    const put = await call('PUT', '/nodes/pve1/qemu/200/config', { cores: 4 });
    expect(put).toMatchObject({ status: 500, reason: 'VM is locked (clone)' });
    const start = (await call<string>('POST', '/nodes/pve1/qemu/200/status/start')).body.data;
    fake.finishTasks();
    expect(await task(start)).toMatchObject({ status: 'stopped', exitstatus: 'VM is locked (clone)' });
    expect(await task(upid)).toMatchObject({ exitstatus: 'OK', type: 'qmclone', id: '101' });
    const config = (await call<Record<string, unknown>>('GET', '/nodes/pve1/qemu/200/config')).body.data;
    expect(config).toMatchObject({ name: 'copy', scsi0: expect.stringMatching(/^local-lvm:vm-200-disk-0,/) });
    expect(config.lock).toBeUndefined();
    expect(fake.guest(200)?.status).toBe('stopped');
  });

  it('ends injected task failures with the error and leaves the state; warnings still succeed', async () => {
    fake.failNextTask({ type: 'qmstart', vmid: 101, message: 'start failed: QEMU exited with code 1' });
    const failed = (await call<string>('POST', '/nodes/pve1/qemu/101/status/start')).body.data;
    fake.finishTasks();
    expect(await task(failed)).toMatchObject({ exitstatus: 'start failed: QEMU exited with code 1' });
    expect(fake.guest(101)?.status).toBe('stopped');
    const log = await call<{ n: number; t: string }[]>(
      'GET',
      `/nodes/pve1/tasks/${encodeURIComponent(failed)}/log`,
    );
    expect(log.body.data.at(-1)).toEqual({
      n: log.body.total,
      t: 'TASK ERROR: start failed: QEMU exited with code 1',
    });

    fake.failNextTask({ type: 'qmstart', warnings: ['disk cache is unsafe', 'no balloon'] });
    const warned = (await call<string>('POST', '/nodes/pve1/qemu/101/status/start')).body.data;
    fake.finishTasks();
    expect(await task(warned)).toMatchObject({ exitstatus: 'WARNINGS: 2' });
    expect(fake.guest(101)?.status).toBe('running');
    const errors = await call<{ upid: string }[]>('GET', '/nodes/pve1/tasks', { errors: 1 });
    expect(errors.body.data.map((t) => t.upid)).toEqual([warned, failed]);
  });

  it("lists a node's tasks with Tasks.pm's source, since, until, start, limit and filters", async () => {
    const started = fake.clock.nowSeconds();
    const start = async (path: string) => (await call<string>('POST', path)).body.data;
    fake.failNextTask({ type: 'qmstart', vmid: 101, message: 'start failed: QEMU exited with code 1' });
    const failed = await start('/nodes/pve1/qemu/101/status/start');
    fake.finishTasks();
    fake.clock.advance(10_000);
    const stopped = await start('/nodes/pve1/qemu/100/status/stop');
    fake.finishTasks();
    fake.clock.advance(10_000);
    fake.failNextTask({ type: 'vzshutdown', warnings: ['container took long to stop'] });
    const warned = await start('/nodes/pve1/lxc/102/status/shutdown');
    fake.finishTasks();
    fake.clock.advance(10_000);
    const running = await start('/nodes/pve1/qemu/101/status/start');
    type Item = { upid: string; status: string; endtime?: number; type: string };
    const list = async (params: Record<string, string | number>) => {
      const res = await call<Item[]>('GET', '/nodes/pve1/tasks', params);
      return { upids: res.body.data.map((item) => item.upid), items: res.body.data, total: res.body.total };
    };

    // The active file (running, `RUNNING`, no endtime) first, then the archive newest end first.
    const all = await list({ source: 'all' });
    expect(all.upids).toEqual([running, warned, stopped, failed]);
    expect(all.items.map((item) => item.status)).toEqual([
      'RUNNING',
      'WARNINGS: 1',
      'OK',
      'start failed: QEMU exited with code 1',
    ]);
    expect(all.items[0]?.endtime).toBeUndefined();
    expect(all.items.slice(1).every((item) => typeof item.endtime === 'number')).toBe(true);
    expect((await list({})).upids).toEqual([warned, stopped, failed]);
    expect((await list({ source: 'active' })).upids).toEqual([running]);
    // `since` and `until` compare the start time (the UPID's).
    expect((await list({ source: 'all', since: started + 10 })).upids).toEqual([running, warned, stopped]);
    expect((await list({ source: 'all', until: started + 10 })).upids).toEqual([stopped, failed]);
    expect(await list({ source: 'all', start: 1, limit: 2 })).toMatchObject({
      upids: [warned, stopped],
      total: 4,
    });
    expect((await list({ source: 'all', limit: 0 })).upids).toEqual([]);
    expect((await list({ source: 'all', vmid: 101 })).upids).toEqual([running, failed]);
    expect((await list({ source: 'all', typefilter: 'qmstart' })).upids).toEqual([running, failed]);
    expect((await list({ source: 'all', userfilter: 'ROOT@' })).upids).toHaveLength(4);
    // A running task has no status when `node_tasks` filters it: its kind is `unknown`.
    expect((await list({ source: 'all', statusfilter: 'warning,ERROR' })).upids).toEqual([warned, failed]);
    expect((await list({ source: 'all', statusfilter: 'unknown' })).upids).toEqual([running]);
    // `errors` drops only the `ok` ones, and overrides `statusfilter`.
    expect((await list({ source: 'all', errors: 1, statusfilter: 'ok' })).upids).toEqual([
      running,
      warned,
      failed,
    ]);
    expect((await call('GET', '/nodes/pve1/tasks', { statusfilter: 'ok,bogus' })).body.errors).toEqual({
      statusfilter: "invalid format - invalid status 'bogus'\n",
    });
  });

  it('keeps every running task and the newest finished ones, 25 a node, in the cluster index', async () => {
    // pve-common RESTEnvironment.pm `active_workers` ($MAX_FINISHED), pve-cluster Cluster.pm `get_tasklist`.
    const start = async (path: string) => (await call<string>('POST', path)).body.data;
    const finished: string[] = [];
    for (let i = 0; i < 30; i++) {
      finished.push(await start(`/nodes/pve1/qemu/100/status/${i % 2 === 0 ? 'stop' : 'start'}`));
      fake.finishTasks();
      fake.clock.advance(1_000);
    }
    const running = [await start('/nodes/pve1/qemu/101/status/start')];
    fake.clock.advance(1_000);
    running.push(await start('/nodes/pve1/lxc/102/status/stop'));
    type Item = {
      upid: string;
      node: string;
      pid?: number;
      pstart?: number;
      endtime?: number;
      status?: string;
    };
    const index = (await call<Item[]>('GET', '/cluster/tasks')).body.data;
    // Running first, in the order they started; then the newest finished, up to 25 in all.
    expect(index.map((item) => item.upid)).toEqual([...running, ...finished.toReversed().slice(0, 23)]);
    for (const item of index.slice(0, 2)) {
      expect(item).toMatchObject({ node: 'pve1', pid: expect.any(Number) });
      for (const field of ['pstart', 'status', 'endtime']) expect(item).not.toHaveProperty(field);
    }
    for (const item of index.slice(2)) {
      expect(item).toMatchObject({ status: 'OK', endtime: expect.any(Number) });
      for (const field of ['pid', 'pstart']) expect(item).not.toHaveProperty(field);
    }
    // The node's own archive still has every finished task.
    const archive = await call<Item[]>('GET', '/nodes/pve1/tasks', { limit: 100 });
    expect(archive.body.total).toBe(30);
  });

  it('keeps every running task in the cluster index even past 25, and counts each node apart', async () => {
    const big = createPveFake({ nodes: 2, guests: { qemu: 60 }, taskDurationMs: 60_000 });
    server.resetHandlers(...big.handlers);
    headers = { authorization: `PVEAPIToken=${big.credentials.tokenId}=${big.credentials.tokenSecret}` };
    const start = async (vmid: number, node: string) =>
      (await call<string>('POST', `/nodes/${node}/qemu/${vmid}/status/start`)).body.data;
    // Guests go round-robin: even VMIDs on pve1, odd ones on pve2.
    const finished = [await start(100, 'pve1'), await start(102, 'pve1')];
    big.finishTasks();
    const running = [];
    for (let vmid = 104; vmid < 104 + 2 * 26; vmid += 2) running.push(await start(vmid, 'pve1'));
    const onPve2 = await start(101, 'pve2');
    type Item = { upid: string; node: string; status?: string };
    const index = (await call<Item[]>('GET', '/cluster/tasks')).body.data;
    // 26 running tasks leave no room for pve1's finished ones; pve2's part is its own.
    expect(index.map((item) => item.upid)).toEqual([...running, onPve2]);
    expect(index.some((item) => finished.includes(item.upid))).toBe(false);
    expect(index.every((item) => item.status === undefined)).toBe(true);
    big.finishTasks();
    await big.close();
  });

  it('checks running state, digest and protection like PVE', async () => {
    expect(await call('POST', '/nodes/pve1/qemu/101/status/reset')).toMatchObject({
      status: 500,
      reason: 'VM 101 not running',
    });
    expect(await call('DELETE', '/nodes/pve1/qemu/100')).toMatchObject({
      reason: 'VM 100 is running - destroy failed',
    });
    const before = (await call<{ digest: string }>('GET', '/nodes/pve1/qemu/101/config')).body.data.digest;
    expect(before).toMatch(/^[0-9a-f]{40}$/);
    expect((await call('PUT', '/nodes/pve1/qemu/101/config', { cores: 4, digest: before })).status).toBe(200);
    const stale = await call('PUT', '/nodes/pve1/qemu/101/config', { cores: 8, digest: before });
    expect(stale).toMatchObject({ status: 500, reason: 'checksum mismatch (file change by other user?)' });
    await call('PUT', '/nodes/pve1/qemu/101/config', { delete: 'scsi0', protection: 1 });
    const config = (await call<Record<string, unknown>>('GET', '/nodes/pve1/qemu/101/config')).body.data;
    expect(config).toMatchObject({ cores: 4, protection: 1, unused0: 'local-lvm:vm-101-disk-0' });
    expect(await call('DELETE', '/nodes/pve1/qemu/101')).toMatchObject({
      reason: "can't remove VM 101 - protection mode enabled",
    });
    expect(await call('POST', '/nodes/pve1/lxc/102/status/start')).toMatchObject({
      reason: 'CT 102 already running',
    });
  });

  it('refuses linked clones of non-templates and migration to the local node as PVE does', async () => {
    const linked = await call('POST', '/nodes/pve1/qemu/101/clone', { newid: 201, full: 0 });
    expect(linked).toMatchObject({
      status: 500,
      reason: "Linked clone feature is not supported for drive 'scsi0'",
    });
    expect(fake.guest(201)).toBeUndefined();
    const local = await call('POST', '/nodes/pve1/qemu/101/migrate', { target: 'pve1' });
    expect(local).toMatchObject({ status: 400, body: { errors: { target: 'target is local node.' } } });
    const ct = (await call<string>('POST', '/nodes/pve1/lxc/102/clone', { newid: 202, hostname: 'ct-copy' }))
      .body;
    expect(ct).toMatchObject({ message: 'Cannot do full clones on a running container without snapshots\n' });
  });

  it('moves a guest with migrate and fails calls through the old node', async () => {
    const upid = (await call<string>('POST', '/nodes/pve1/qemu/101/migrate', { target: 'pve3' })).body.data;
    expect(fake.guest(101)?.config.lock).toBe('migrate');
    const resources = (
      await call<{ id: string; lock?: string }[]>('GET', '/cluster/resources', { type: 'vm' })
    ).body.data;
    expect(resources.find((r) => r.id === 'qemu/101')?.lock).toBe('migrate');
    fake.finishTasks();
    expect((await task(upid)).exitstatus).toBe('OK');
    expect((await call('GET', '/nodes/pve3/qemu/101/status/current')).status).toBe(200);
    expect((await call('GET', '/nodes/pve1/qemu/101/status/current')).reason).toBe(
      "Configuration file 'nodes/pve1/qemu-server/101.conf' does not exist",
    );
    const ct = await call('POST', '/nodes/pve1/lxc/102/migrate', { target: 'pve2' });
    expect(ct.reason).toBe("can't migrate running container without --online or --restart");
  });

  it('takes snapshots into a tree with a current entry and rolls back', async () => {
    for (const name of ['s1', 's2']) {
      await call('POST', '/nodes/pve1/qemu/101/snapshot', { snapname: name });
      fake.finishTasks();
    }
    await call('PUT', '/nodes/pve1/qemu/101/config', { cores: 6 });
    const list = (await call<{ name: string; parent?: string }[]>('GET', '/nodes/pve1/qemu/101/snapshot'))
      .body.data;
    expect(list.map((s) => [s.name, s.parent])).toEqual([
      ['s1', undefined],
      ['s2', 's1'],
      ['current', 's2'],
    ]);
    const dup = (await call<string>('POST', '/nodes/pve1/qemu/101/snapshot', { snapname: 's1' })).body.data;
    fake.finishTasks();
    expect((await task(dup)).exitstatus).toBe("snapshot name 's1' already used");
    const reserved = await call('POST', '/nodes/pve1/qemu/101/snapshot', { snapname: 'current' });
    expect(reserved.reason).toBe("unable to use snapshot name 'current' (reserved name)");
    await call('POST', '/nodes/pve1/qemu/101/snapshot/s1/rollback');
    fake.finishTasks();
    await fake.settleTasks();
    const config = (await call<Record<string, unknown>>('GET', '/nodes/pve1/qemu/101/config')).body.data;
    expect(config.cores).toBe(2);
    expect(config.lock).toBeUndefined();
  });

  it('fails calls through unknown and offline nodes as pveproxy does', async () => {
    expect((await call('GET', '/nodes/nope/qemu')).reason).toBe(
      "hostname lookup 'nope' failed - failed to get address info for: nope: Name or service not known",
    );
    fake.setNodeOnline('pve2', false);
    expect(await call('GET', '/nodes/pve2/qemu')).toMatchObject({
      status: 595,
      reason: 'No route to host',
      body: undefined,
    });
    const nodes = (await call<{ node: string; status: string; mem?: number }[]>('GET', '/nodes')).body.data;
    expect(nodes.find((n) => n.node === 'pve2')).toEqual(expect.objectContaining({ status: 'offline' }));
    expect(nodes.find((n) => n.node === 'pve2')?.mem).toBeUndefined();
    const precheck = (await call<{ allowed_nodes: string[] }>('GET', '/nodes/pve1/qemu/101/migrate')).body
      .data;
    expect(precheck.allowed_nodes).toEqual(['pve3']);
  });

  it('accepts JSON bodies with real booleans and rejects other content types', async () => {
    const json = await fetch(`${BASE}/nodes/pve1/qemu/101/config`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ onboot: true, cores: 3 }),
    });
    expect(json.status).toBe(200);
    expect(fake.guest(101)?.config).toMatchObject({ onboot: 1, cores: 3 });
    const xml = await fetch(`${BASE}/nodes/pve1/qemu/101/config`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'text/xml' },
      body: '<cores>4</cores>',
    });
    expect(xml.status).toBe(506);
    expect(xml.statusText).toBe("upload 'Content-Type 'text/xml' not implemented");
  });

  it('runs tasks for a duration per task type', async () => {
    const timed = createPveFake({
      guests: [{ vmid: 100 }, { vmid: 101 }],
      taskDurationMs: { qmclone: 60_000, default: 0 },
    });
    const auth = {
      authorization: `PVEAPIToken=${timed.credentials.tokenId}=${timed.credentials.tokenSecret}`,
    };
    const post = async (path: string, body = '') => {
      const res = await timed.handle(
        new Request(`${BASE}${path}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        }),
      );
      return ((await res.json()) as Body<string>).data;
    };
    const clone = await post('/nodes/pve1/qemu/100/clone', 'newid=300');
    const start = await post('/nodes/pve1/qemu/101/status/start');
    await new Promise((r) => setTimeout(r, 20));
    expect(timed.task(start)).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    expect(timed.task(clone)?.status).toBe('running');
    await timed.close();
  });

  it('injects resets and hangs in-process too', async () => {
    fake.faults.add({ path: '/version', reset: true, times: 1 });
    await expect(fetch(`${BASE}/version`, { headers })).rejects.toThrow(TypeError);
    fake.faults.add({ path: '/version', hang: true, times: 1 });
    await expect(fetch(`${BASE}/version`, { headers, signal: AbortSignal.timeout(50) })).rejects.toThrow();
    expect((await call('GET', '/version')).status).toBe(200);
  });

  it('logs every request so tests can prove a write was sent once', async () => {
    await call('POST', '/nodes/pve1/qemu/101/status/start');
    await call('GET', '/nodes/pve1/qemu/101/status/current');
    expect(
      fake.requests.filter((r) => r.method === 'POST' && r.path === '/nodes/pve1/qemu/101/status/start'),
    ).toHaveLength(1);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', status: 200 });
  });

  it('keeps only the newest requestLogLimit requests when that option is set', async () => {
    const capped = createPveFake({ requestLogLimit: 3 });
    const auth = `PVEAPIToken=${capped.credentials.tokenId}=${capped.credentials.tokenSecret}`;
    for (const path of ['/version', '/nodes', '/cluster/status', '/nodes/pve1/status', '/version'])
      await capped.handle(new Request(`${BASE}${path}`, { headers: { authorization: auth } }));
    expect(capped.requests.map((r) => r.path)).toEqual(['/cluster/status', '/nodes/pve1/status', '/version']);
    const none = createPveFake({ requestLogLimit: 0 });
    await none.handle(new Request(`${BASE}/version`));
    expect(none.requests).toEqual([]);
    expect(() => createPveFake({ requestLogLimit: -1 })).toThrow(/requestLogLimit/);
    await Promise.all([capped.close(), none.close()]);
  });

  it('stops a running task on DELETE', async () => {
    const upid = (await call<string>('POST', '/nodes/pve1/qemu/101/status/start')).body.data;
    expect((await call('DELETE', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`)).status).toBe(200);
    const status = await task(upid);
    expect(status.status).toBe('stopped');
    expect(status.exitstatus).not.toBe('OK');
    expect((await call('GET', '/nodes/pve1/tasks/UPID:garbage/status')).body.errors).toEqual({
      upid: 'unable to parse worker upid',
    });
  });
});
