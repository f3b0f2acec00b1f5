import { afterEach, describe, expect, it } from 'vitest';
import { decodeOperationId } from '../src/tasks/operation-id.js';
import { type HttpsTestServer, startHttpsTestServer } from './support/https-test-server.js';
import { connectorOn } from './support/test-server-connector.js';

const hex = (seconds: number) => seconds.toString(16).toUpperCase().padStart(8, '0');
const upid = (at: number, type: string, id: string, user: string) =>
  `UPID:pve1:0000ABCD:00001234:${hex(at)}:${type}:${id}:${user}:`;

const T0 = 1_780_000_000;
const foreign = [
  // As PVE lists them (Cluster.pm `tasks`): running ones without status, newest first.
  {
    upid: upid(T0 + 50, 'qmstart', '101', 'root@pam'),
    node: 'pve1',
    type: 'qmstart',
    id: '101',
    user: 'root@pam',
    starttime: T0 + 50,
  },
  {
    upid: upid(T0 + 40, 'vzdump', '', 'root@pam'),
    node: 'pve1',
    type: 'vzdump',
    id: '',
    user: 'root@pam',
    starttime: T0 + 40,
    endtime: T0 + 45,
    status: 'OK',
  },
  {
    upid: upid(T0 + 30, 'qmshutdown', '101', 'alice@pve'),
    node: 'pve1',
    type: 'qmshutdown',
    id: '101',
    user: 'alice@pve',
    starttime: T0 + 30,
    endtime: T0 + 31,
    status: 'VM quit/powerdown failed',
  },
  {
    upid: upid(T0 + 20, 'vzstart', '200', 'root@pam'),
    node: 'pve1',
    type: 'vzstart',
    id: '200',
    user: 'root@pam',
    starttime: T0 + 20,
    endtime: T0 + 21,
    status: 'WARNINGS: 1',
  },
  {
    upid: upid(T0 + 10, 'hastart', '101', 'root@pam'),
    node: 'pve1',
    type: 'hastart',
    id: '101',
    user: 'root@pam',
    starttime: T0 + 10,
    endtime: T0 + 11,
    status: 'OK',
  },
  { upid: 'not a upid', node: 'pve1', type: 'qmstart', id: '101', user: 'root@pam', starttime: T0 },
];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pve(tasks: Record<string, unknown>[]): Promise<HttpsTestServer> {
  const server = await startHttpsTestServer(async (request) => {
    const path = decodeURIComponent(request.path.replace(/^\/api2\/json/, '').split('?')[0] ?? '');
    if (path === '/cluster/tasks') return [200, { data: tasks }];
    if (path === '/cluster/resources') {
      return [200, { data: [{ id: 'qemu/101', type: 'qemu', vmid: 101, node: 'pve1', status: 'stopped' }] }];
    }
    if (path === '/nodes/pve1/tasks') return [200, { data: [] }];
    if (path.endsWith('/status/current')) return [200, { data: { vmid: 101, status: 'stopped' } }];
    if (request.method === 'POST' && path === '/nodes/pve1/qemu/101/status/start') {
      const started = upid(T0 + 60, 'qmstart', '101', 'root@pam!hvc');
      tasks.unshift({
        upid: started,
        node: 'pve1',
        type: 'qmstart',
        id: '101',
        user: 'root@pam',
        tokenid: 'hvc',
        starttime: T0 + 60,
      });
      return [200, { data: started }];
    }
    return [404, null, 'not found'];
  });
  cleanups.push(() => server.close());
  return server;
}

function connect(server: HttpsTestServer) {
  const connector = connectorOn(server);
  cleanups.push(() => connector.close());
  return connector;
}

describe('listOperations over the cluster task index', () => {
  it('maps tasks started elsewhere: type and guest from the task, status from its exit, newest first', async () => {
    const connector = connect(await pve([...foreign]));
    const page = await connector.listOperations();
    expect(page.nextPageToken).toBeUndefined();
    expect(page.items.map((o) => [o.type, o.guestId, o.status])).toEqual([
      ['start', 'qemu/101', 'running'],
      ['other', undefined, 'succeeded'],
      ['shutdown', 'qemu/101', 'failed'],
      ['start', 'lxc/200', 'succeeded'],
      ['start', undefined, 'succeeded'],
    ]);
    const [running, backup, shutdown, warned] = page.items;
    expect(running).toMatchObject({
      startedAt: new Date((T0 + 50) * 1000).toISOString(),
      raw: { user: 'root@pam' },
    });
    expect(running?.endedAt).toBeUndefined();
    expect(backup?.endedAt).toBe(new Date((T0 + 45) * 1000).toISOString());
    expect(shutdown?.error).toEqual({ code: 'OPERATION_FAILED', message: 'VM quit/powerdown failed' });
    expect(warned?.warnings).toEqual(['1 warning(s)']);
    expect(decodeOperationId(running!.id).upid).toBe(foreign[0]!.upid);
  });

  it('filters by guest, type, status and start, and pages', async () => {
    const connector = connect(await pve([...foreign]));
    const ids = async (query: Parameters<typeof connector.listOperations>[0]) =>
      (await connector.listOperations(query)).items.map((o) => decodeOperationId(o.id).task.starttime - T0);
    expect(await ids({ guestId: 'qemu/101' })).toEqual([50, 30]);
    expect(await ids({ type: 'start', status: 'succeeded' })).toEqual([20, 10]);
    expect(await ids({ since: new Date((T0 + 30) * 1000).toISOString() })).toEqual([50, 40, 30]);
    const first = await connector.listOperations({ pageSize: 2 });
    const second = await connector.listOperations({ pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.items, ...second.items].map((o) => o.id)).toEqual(
      (await connector.listOperations()).items.slice(0, 4).map((o) => o.id),
    );
  });

  it('lists a task this connector started under the id it handed out, without its token id', async () => {
    const connector = connect(await pve([...foreign]));
    const started = await connector.startGuest('qemu/101');
    const listed = (await connector.listOperations({ guestId: 'qemu/101', pageSize: 1 })).items[0];
    expect(listed?.id).toBe(started.id);
    expect(JSON.stringify(listed)).not.toContain('hvc');
  });
});
