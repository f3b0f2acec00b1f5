import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake, type PveFakeServer } from '../src/index.js';
import { createRawClient, type RawPveClient } from './support/raw-client.js';

type Data<T = unknown> = { data: T; message?: string };

async function login(api: RawPveClient, username: string, password: string) {
  const res = await api.call('POST', '/access/ticket', { username, password }, null);
  expect(res.status, res.reason).toBe(200);
  return (res.body as Data<{ ticket: string; CSRFPreventionToken: string }>).data;
}

/** The auth of user `bob@pve` (PVEVMUser on `/vms`) and of two tokens of his without privilege separation. */
async function bobAndTokens(fake: PveFake, api: RawPveClient) {
  fake.addUser({ userid: 'bob@pve', password: 'bob-password' });
  fake.setAcl({ path: '/vms', roles: 'PVEVMUser', user: 'bob@pve' });
  const t = await login(api, 'bob@pve', 'bob-password');
  const one = fake.addToken('bob@pve', 'one', { privsep: false });
  const two = fake.addToken('bob@pve', 'two', { privsep: false });
  return {
    bob: { ticket: t.ticket, csrf: t.CSRFPreventionToken },
    tokenOne: { token: one.tokenId, secret: one.secret },
    tokenTwo: { token: two.tokenId, secret: two.secret },
  };
}

describe('PVE fake authentication and permissions (PVE 9 behaviour)', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let api: RawPveClient;

  beforeAll(async () => {
    fake = createPveFake({ nodes: 1, guests: [{ vmid: 100 }, { vmid: 101 }], taskDurationMs: 5 });
    server = await fake.listen();
    api = createRawClient(server, null);
  });
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it('issues tickets that expire after two hours on the fake clock and renew with the ticket as password', async () => {
    const first = await login(api, 'root@pam', fake.credentials.password);
    expect(first.ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::/);
    expect(first.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:[A-Za-z0-9+/]+$/);
    fake.clock.advance(110 * 60_000);
    const renewed = await login(api, 'root@pam', first.ticket);
    fake.clock.advance(20 * 60_000);
    const expired = await api.call('GET', '/version', {}, { ticket: first.ticket });
    expect(expired).toMatchObject({ status: 401, reason: 'Authentication failed!', body: undefined });
    const fresh = await api.call('GET', '/version', {}, { ticket: renewed.ticket });
    expect(fresh.status).toBe(200);
  });

  it('requires the CSRF header on ticket writes, not on token writes', async () => {
    const t = await login(api, 'root@pam', fake.credentials.password);
    const without = await api.call('POST', '/nodes/pve1/qemu/100/status/start', {}, { ticket: t.ticket });
    expect(without).toMatchObject({ status: 401, reason: 'Permission denied - invalid csrf token' });
    const withCsrf = await api.call(
      'POST',
      '/nodes/pve1/qemu/100/status/start',
      {},
      { ticket: t.ticket, csrf: t.CSRFPreventionToken },
    );
    expect(withCsrf.status).toBe(200);
    const token = await api.call(
      'POST',
      '/nodes/pve1/qemu/100/status/stop',
      {},
      { token: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
    );
    expect(token.status).toBe(200);
  });

  it('rejects bad credentials with PVE texts', async () => {
    const bad = await api.call('POST', '/access/ticket', { username: 'root@pam', password: 'nope' }, null);
    expect(bad).toMatchObject({ status: 401, reason: 'authentication failure', body: { data: null } });
    const none = await api.call('GET', '/nodes', {}, null);
    expect(none).toMatchObject({ status: 401, reason: 'No ticket' });
    const wrongToken = await api.call('GET', '/nodes', {}, { token: 'root@pam!hvc', secret: 'wrong' });
    expect(wrongToken).toMatchObject({ status: 401, reason: 'Authentication failed!' });
    const tokenLogin = await api.call(
      'POST',
      '/access/ticket',
      { username: 'root@pam', password: 'x' },
      {
        token: fake.credentials.tokenId,
        secret: fake.credentials.tokenSecret,
      },
    );
    expect(tokenLogin).toMatchObject({
      status: 403,
      reason:
        "Permission check failed (URI '/access/ticket' not available with API token, need proper ticket.)",
    });
  });

  it('gives a privilege-separated token without ACLs nothing, and exactly what its ACL grants', async () => {
    const { tokenId, secret } = fake.addToken('root@pam', 'ci');
    const auth = { token: tokenId, secret };
    expect((await api.call('GET', '/nodes/pve1/qemu', {}, auth)).body).toEqual({ data: [] });
    const denied = await api.call('POST', '/nodes/pve1/qemu/100/status/start', {}, auth);
    expect(denied).toMatchObject({ status: 403, reason: 'Permission check failed (/vms/100, VM.PowerMgmt)' });
    expect((denied.body as Data).message).toBe('Permission check failed (/vms/100, VM.PowerMgmt)\n');
    fake.setAcl({ path: '/vms/100', roles: 'PVEVMUser', token: tokenId });
    const listed = (await api.call('GET', '/nodes/pve1/qemu', {}, auth)).body as Data<{ vmid: number }[]>;
    expect(listed.data.map((g) => g.vmid)).toEqual([100]);
    expect((await api.call('POST', '/nodes/pve1/qemu/100/status/start', {}, auth)).status).toBe(200);
    const perms = (await api.call('GET', '/access/permissions', { path: '/vms/100' }, auth)).body as Data<
      Record<string, Record<string, number>>
    >;
    expect(perms.data['/vms/100']).toMatchObject({ 'VM.PowerMgmt': 1, 'VM.Audit': 1 });
    expect(perms.data['/vms/100']!['VM.Allocate']).toBeUndefined();
    const snapshot = await api.call('POST', '/nodes/pve1/qemu/100/snapshot', { snapname: 'x1' }, auth);
    expect(snapshot).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/vms/100, VM.Snapshot)',
    });
    await fake.settleTasks();
  });

  it("shows a task to its owner as pve-manager does: a user its own and its tokens', a token only its own", async () => {
    // PVE/API2/Tasks.pm `$check_task_user` for a node's tasks; PVE/API2/Cluster.pm `tasks` for the cluster index.
    const { bob, tokenOne, tokenTwo } = await bobAndTokens(fake, api);
    const start = async (vmid: number, auth: typeof bob | typeof tokenOne) => {
      const res = await api.call('POST', `/nodes/pve1/qemu/${vmid}/status/start`, {}, auth);
      expect(res.status, res.reason).toBe(200);
      return (res.body as Data<string>).data;
    };
    const byBob = await start(100, bob);
    const byOne = await start(101, tokenOne);
    await fake.settleTasks();
    const status = async (upid: string, auth: typeof bob | typeof tokenOne) =>
      api.call('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`, {}, auth);
    const listed = async (path: string, auth: typeof bob | typeof tokenOne) =>
      ((await api.call('GET', path, {}, auth)).body as Data<{ upid: string }[]>).data
        .map((task) => task.upid)
        .filter((upid) => upid === byBob || upid === byOne);

    expect((await status(byBob, bob)).status).toBe(200);
    expect((await status(byOne, bob)).status).toBe(200);
    expect((await status(byOne, tokenOne)).status).toBe(200);
    for (const [upid, auth] of [
      [byBob, tokenOne],
      [byOne, tokenTwo],
    ] as const) {
      expect(await status(upid, auth)).toMatchObject({
        status: 403,
        reason: 'Permission check failed (/nodes/pve1, Sys.Audit)',
      });
    }
    expect(await listed('/nodes/pve1/tasks', bob)).toEqual([byOne, byBob]);
    expect(await listed('/nodes/pve1/tasks', tokenOne)).toEqual([byOne]);
    expect(await listed('/nodes/pve1/tasks', tokenTwo)).toEqual([]);
    // The cluster index compares the task's user, token split off, with the caller's whole id.
    expect(await listed('/cluster/tasks', bob)).toEqual([byOne, byBob]);
    expect(await listed('/cluster/tasks', tokenOne)).toEqual([]);
    // Without privilege separation the token holds its user's privileges.
    fake.setAcl({ path: '/', roles: 'PVEAuditor', user: 'bob@pve' });
    expect(await listed('/cluster/tasks', tokenOne)).toEqual([byOne, byBob]);
  });

  it("lists a token's running task under its whole id, to that token alone, and lets its user stop it", async () => {
    // Tasks.pm `node_tasks` splits the token off archive lines only: an active-file entry keeps the whole id.
    const slow = createPveFake({ nodes: 1, guests: [{ vmid: 100 }], taskDurationMs: 60_000 });
    const slowServer = await slow.listen();
    const client = createRawClient(slowServer, null);
    try {
      const { bob, tokenOne, tokenTwo } = await bobAndTokens(slow, client);
      const started = await client.call('POST', '/nodes/pve1/qemu/100/status/start', {}, tokenOne);
      const upid = (started.body as Data<string>).data;
      type Item = { upid: string; user: string; tokenid?: string; status: string };
      const active = async (auth: typeof bob | typeof tokenOne, params: Record<string, string> = {}) =>
        (
          (await client.call('GET', '/nodes/pve1/tasks', { source: 'active', ...params }, auth)).body as Data<
            Item[]
          >
        ).data;

      const [item] = await active(tokenOne);
      expect(item).toMatchObject({ upid, user: 'bob@pve!one', status: 'RUNNING' });
      expect(item).not.toHaveProperty('tokenid');
      expect(await active(tokenOne, { userfilter: '!one' })).toHaveLength(1);
      expect(await active(bob)).toEqual([]);
      expect(await active(tokenTwo)).toEqual([]);
      // The status call splits the token off: there the user owns its token's task.
      expect(
        (await client.call('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`, {}, bob)).status,
      ).toBe(200);

      const stopByOther = await client.call(
        'DELETE',
        `/nodes/pve1/tasks/${encodeURIComponent(upid)}`,
        {},
        tokenTwo,
      );
      expect(stopByOther).toMatchObject({
        status: 403,
        reason: 'Permission check failed (/nodes/pve1, Sys.Modify)',
      });
      const stopByUser = await client.call(
        'DELETE',
        `/nodes/pve1/tasks/${encodeURIComponent(upid)}`,
        {},
        bob,
      );
      expect(stopByUser.status, stopByUser.reason).toBe(200);
      await slow.settleTasks();
      expect(slow.task(upid)?.status).toBe('stopped');
    } finally {
      await client.close();
      await slow.close();
    }
  });

  it('limits a user to its roles, with inheritance along the path', async () => {
    fake.addUser({ userid: 'alice@pve', password: 'alice-secret' });
    fake.setAcl({ path: '/vms', roles: 'PVEAuditor', user: 'alice@pve' });
    const t = await login(api, 'alice@pve', 'alice-secret');
    const auth = { ticket: t.ticket, csrf: t.CSRFPreventionToken };
    expect((await api.call('GET', '/nodes/pve1/qemu/101/status/current', {}, auth)).status).toBe(200);
    const stop = await api.call('POST', '/nodes/pve1/qemu/101/status/stop', {}, auth);
    expect(stop).toMatchObject({ status: 403, reason: 'Permission check failed (/vms/101, VM.PowerMgmt)' });
    const nodeStatus = await api.call('GET', '/nodes/pve1/status', {}, auth);
    expect(nodeStatus.reason).toBe('Permission check failed (/nodes/pve1, Sys.Audit)');
    const create = await api.call('POST', '/nodes/pve1/qemu', { vmid: 150 }, auth);
    expect(create.reason).toBe('Permission check failed (/vms/150, VM.Allocate)');
  });

  it('applies pool ACLs to pool members and honours propagate=0', async () => {
    fake.cluster.pools.set('team', { poolid: 'team' });
    fake.guest(101)!.pool = 'team';
    fake.addUser({ userid: 'pool@pve', password: 'pool-password' });
    fake.setAcl({ path: '/pool/team', roles: 'PVEVMUser', user: 'pool@pve' });
    fake.setAcl({ path: '/vms', roles: 'PVEAuditor', user: 'pool@pve', propagate: false });
    const t = await login(api, 'pool@pve', 'pool-password');
    const auth = { ticket: t.ticket, csrf: t.CSRFPreventionToken };
    const vms = (await api.call('GET', '/cluster/resources', { type: 'vm' }, auth)).body as Data<
      { vmid: number }[]
    >;
    expect(vms.data.map((v) => v.vmid)).toEqual([101]);
    expect((await api.call('GET', '/nodes/pve1/qemu/100/status/current', {}, auth)).reason).toBe(
      'Permission check failed (/vms/100, VM.Audit)',
    );
    expect((await api.call('POST', '/nodes/pve1/qemu/101/status/start', {}, auth)).status).toBe(200);
    await fake.settleTasks();
  });

  it('asks for the second factor when TFA is configured', async () => {
    fake.addUser({ userid: 'tfa@pve', password: 'tfa-password', totp: '123456' });
    const first = await api.call(
      'POST',
      '/access/ticket',
      { username: 'tfa@pve', password: 'tfa-password' },
      null,
    );
    const half = (first.body as Data<{ ticket: string; NeedTFA: number }>).data;
    expect(half.NeedTFA).toBe(1);
    const blocked = await api.call('GET', '/version', {}, { ticket: half.ticket });
    expect(blocked.status).toBe(401);
    const wrong = await api.call(
      'POST',
      '/access/ticket',
      { username: 'tfa@pve', 'tfa-challenge': half.ticket, password: 'totp:000000' },
      null,
    );
    expect(wrong.status).toBe(401);
    const second = await api.call(
      'POST',
      '/access/ticket',
      { username: 'tfa@pve', 'tfa-challenge': half.ticket, password: 'totp:123456' },
      null,
    );
    expect((second.body as Data<{ ticket: string }>).data.ticket).toMatch(/^PVE:tfa@pve:/);
  });

  it('invalidates every ticket on expireTickets()', async () => {
    const t = await login(api, 'root@pam', fake.credentials.password);
    fake.expireTickets();
    expect((await api.call('GET', '/version', {}, { ticket: t.ticket })).status).toBe(401);
  });
});

describe('PVE fake in PVE 8 mode', () => {
  it('puts error texts only in the reason phrase and uses the detailed 401 texts', async () => {
    const fake = createPveFake({ pveVersion: 8 });
    const server = await fake.listen();
    const api = createRawClient(server, {
      token: fake.credentials.tokenId,
      secret: fake.credentials.tokenSecret,
    });
    try {
      const missing = await api.call('GET', '/nodes/pve1/qemu/100/config');
      expect(missing).toMatchObject({
        status: 500,
        reason: "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist",
        body: { data: null },
      });
      const version = (await api.call('GET', '/version')).body as Data<{ release: string }>;
      expect(version.data.release).toBe('8.2');
      const badToken = await api.call('GET', '/version', {}, { token: 'root@pam!hvc', secret: 'bad' });
      expect(badToken).toMatchObject({ status: 401, reason: 'invalid token value!' });
      const unknown = await api.call('GET', '/nope');
      expect(unknown).toMatchObject({
        status: 501,
        reason: "Method 'GET /nope' not implemented",
        body: undefined,
      });
    } finally {
      await api.close();
      await fake.close();
    }
  });
});
