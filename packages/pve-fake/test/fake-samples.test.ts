import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake, type PveFakeOptions, type PveFakeServer } from '../src/index.js';

/** `../shared/pve/samples` beside the repository (CI clones it there). Missing → the tests fail, never skip. */
const SAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../..',
  '../shared/pve/samples',
);

function sample(file: string): unknown {
  const p = path.join(SAMPLES, file);
  if (!existsSync(p))
    throw new Error(
      `PVE sample ${p} not found: clone the shared reference data beside the repository (../shared/pve)`,
    );
  return JSON.parse(readFileSync(p, 'utf8'));
}

interface Reply {
  status: number;
  reason: string;
  body: unknown;
}

type Auth = 'token' | 'none' | { header: string };

/** One call over the real socket with node:https (which exposes the reason phrase). */
function call(
  server: PveFakeServer,
  fake: PveFake,
  method: string,
  p: string,
  form = '',
  auth: Auth = 'token',
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (auth === 'token')
    headers.authorization = `PVEAPIToken=${fake.credentials.tokenId}=${fake.credentials.tokenSecret}`;
  else if (auth !== 'none') headers.authorization = auth.header;
  const inQuery = method === 'GET' || method === 'DELETE';
  if (!inQuery) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(form));
  }
  const url = `${server.url}/api2/json${p}${inQuery && form ? `?${form}` : ''}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, ca: server.ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          body: text ? JSON.parse(text) : null,
        }),
      );
    });
    req.on('error', reject);
    if (!inQuery) req.write(form);
    req.end();
  });
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Merges the elements of an array into one shape (union of object keys), so lists compare by their fields. */
function mergeItems(items: unknown[]): unknown {
  const objects = items.filter((i) => typeOf(i) === 'object') as Record<string, unknown>[];
  if (objects.length === 0) return items[0];
  const out: Record<string, unknown> = {};
  for (const o of objects) for (const [k, v] of Object.entries(o)) if (!(k in out)) out[k] = v;
  return out;
}

interface Allow {
  /** Paths whose JSON type may differ (documented version changes such as `vmid` string → integer). */
  types?: string[];
  /** Sample fields the fake may omit (version-specific fields). */
  absent?: string[];
  /** Fields the fake may add (fields newer versions add, or PVE 9's `message`). */
  extra?: string[];
  /** Objects with dynamic keys (privilege maps, per-drive maps): only their values' shapes are compared. */
  maps?: string[];
}

/** Compares the fake's answer with a real sample: same field names and JSON types, except what `allow` documents. */
function shapeDiff(expected: unknown, actual: unknown, allow: Allow, at = ''): string[] {
  const te = typeOf(expected);
  const ta = typeOf(actual);
  if (te !== ta) return allow.types?.includes(at) ? [] : [`${at || '<root>'}: sample ${te}, fake ${ta}`];
  if (te === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length === 0) return [];
    if (a.length === 0) return [`${at}: fake returned an empty array`];
    return shapeDiff(mergeItems(e), mergeItems(a), allow, `${at}[]`);
  }
  if (te !== 'object') return [];
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  if (allow.maps?.includes(at)) {
    const ev = Object.values(e);
    const av = Object.values(a);
    return ev.length === 0 || av.length === 0
      ? []
      : shapeDiff(mergeItems(ev), mergeItems(av), allow, `${at}.*`);
  }
  const problems: string[] = [];
  for (const k of Object.keys(e)) {
    const p = at ? `${at}.${k}` : k;
    if (!(k in a)) {
      if (!allow.absent?.includes(p)) problems.push(`${p}: missing in the fake`);
    } else problems.push(...shapeDiff(e[k], a[k], allow, p));
  }
  for (const k of Object.keys(a)) {
    const p = at ? `${at}.${k}` : k;
    if (!(k in e) && !allow.extra?.includes(p)) problems.push(`${p}: not in the sample`);
  }
  return problems;
}

const ERROR_EXTRA: Allow = { extra: ['message'] };

describe('the fake reproduces every real PVE sample (field names and JSON types)', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  const got = new Map<string, unknown>();
  const api = (method: string, p: string, form = '', auth: Auth = 'token') =>
    call(server, fake, method, p, form, auth);
  const record = async (file: string, reply: Promise<Reply>) => {
    got.set(file, (await reply).body);
  };

  beforeAll(async () => {
    fake = createPveFake({
      nodes: ['pve'],
      guests: [{ type: 'qemu', vmid: 100, name: 'VM-100', status: 'running' }],
      taskDurationMs: 60_000,
    });
    server = await fake.listen();
    fake.addUser({ userid: 'bob@pve', password: 'bobsinclar1' });
    fake.access.users.get('bob@pve')!.firstname = 'Bob';
    fake.access.users.get('bob@pve')!.lastname = 'Sinclar';
    fake.access.users.get('bob@pve')!.email = 'bob@pve.test';
    fake.setAcl({ path: '/access', roles: 'PVEUserAdmin', user: 'bob@pve' });
    fake.cluster.staticVolumes.push({
      storage: 'local',
      node: 'pve',
      volid: 'local:backup/vzdump-lxc-100-2020_11_25-14_39_11.tar.lzo',
      content: 'backup',
      format: 'tar.lzo',
      size: 4_504_446,
      ctime: 1_606_311_551,
      vmid: 100,
    });

    await record('nodes.pve7.json', api('GET', '/nodes'));
    await record('cluster-nextid.pve7.json', api('GET', '/cluster/nextid'));
    await record('version.pve6.json', api('GET', '/version'));
    await record('cluster-resources-node.pve6.json', api('GET', '/cluster/resources', 'type=node'));
    await record('node-storage.pve6.json', api('GET', '/nodes/pve/storage'));
    await record('storage-content.pve6.json', api('GET', '/nodes/pve/storage/local/content', 'vmid=100'));
    await record('node-rrddata.pve6.json', api('GET', '/nodes/pve/rrddata', 'cf=AVERAGE&timeframe=hour'));
    await record('node-network.pve6.json', api('GET', '/nodes/pve/network'));
    await record('node-network-400.pve6.json', api('POST', '/nodes/pve/network', 'iface=eno1&type=eth'));
    await record('access-permissions.pve6.json', api('GET', '/access/permissions', 'userid=bob@pve'));
    await record('access-users.pve6.json', api('GET', '/access/users'));
    await record('access-token-create.pve6.json', api('POST', '/access/users/bob@pve/token/bob1'));
    await record(
      'access-ticket.pve6.json',
      api('POST', '/access/ticket', `username=root@pam&password=${fake.credentials.password}`, 'none'),
    );
    await record(
      'access-ticket-401.pve6.json',
      api('POST', '/access/ticket', 'username=root@pam&password=wrong', 'none'),
    );
    await record('cluster-nextid-400-taken.pve6.json', api('GET', '/cluster/nextid', 'vmid=100'));
    await record('cluster-nextid-400-invalid.pve6.json', api('GET', '/cluster/nextid', 'vmid=99'));
    await record('qemu-status-current-running.pve6.json', api('GET', '/nodes/pve/qemu/100/status/current'));
    await record('qemu-create-500-exists.pve6.json', api('POST', '/nodes/pve/qemu', 'vmid=100'));
    await record(
      'qemu-status-current-500-missing.pve6.json',
      api('GET', '/nodes/pve/qemu/199/status/current'),
    );
    await record('qemu-termproxy.pve6.json', api('POST', '/nodes/pve/qemu/100/termproxy'));
    await record('qemu-vncproxy.pve6.json', api('POST', '/nodes/pve/qemu/100/vncproxy'));

    const create = await api('POST', '/nodes/pve/qemu', 'vmid=101');
    got.set('qemu-create.pve7.json', create.body);
    const upid = encodeURIComponent((create.body as { data: string }).data);
    await record('task-status-running.pve7.json', api('GET', `/nodes/pve/tasks/${upid}/status`));
    fake.finishTasks();
    await record('task-status-ok.pve7.json', api('GET', `/nodes/pve/tasks/${upid}/status`));
    await record('task-log-ok.pve7.json', api('GET', `/nodes/pve/tasks/${upid}/log`));
    await record('qemu-status-current-stopped.pve7.json', api('GET', '/nodes/pve/qemu/101/status/current'));
    await record('qemu-config-minimal.pve7.json', api('GET', '/nodes/pve/qemu/101/config'));
    await record(
      'qemu-snapshot-create.pve7.json',
      api('POST', '/nodes/pve/qemu/101/snapshot', 'snapname=snapshot1&vmstate=0'),
    );
    fake.finishTasks();
    await record('qemu-snapshot-list.pve7.json', api('GET', '/nodes/pve/qemu/101/snapshot'));
    await record(
      'qemu-snapshot-config-put.pve7.json',
      api('PUT', '/nodes/pve/qemu/101/snapshot/snapshot1/config', 'description=x'),
    );
    await record(
      'qemu-snapshot-delete.pve7.json',
      api('DELETE', '/nodes/pve/qemu/101/snapshot/snapshot1', 'force=0'),
    );
    fake.finishTasks();

    await api('POST', '/nodes/pve/qemu', 'vmid=102&virtio0=local-lvm:1,backup=0,replicate=0');
    fake.finishTasks();
    await api('POST', '/nodes/pve/qemu/102/clone', 'newid=103');
    fake.finishTasks();
    await record('qemu-config-virtio.pve6.json', api('GET', '/nodes/pve/qemu/103/config'));
    await record(
      'qemu-resize.pve6.json',
      api('PUT', '/nodes/pve/qemu/103/resize', 'disk=virtio0&size=%2B1G'),
    );
    fake.finishTasks();
    await record('qemu-list.pve6.json', api('GET', '/nodes/pve/qemu'));
    await record('qemu-delete.pve7.json', api('DELETE', '/nodes/pve/qemu/101'));
    fake.finishTasks();

    const lxcForm =
      'ostemplate=local%3Avztmpl%2Fdebian-12-standard_12.7-1_amd64.tar.zst&storage=local-lvm&password=proxmox01&rootfs=local-lvm%3A1&vmid=110&onboot=1&ostype=alpine&net0=name%3Deth0%2Cbridge%3Dvmbr0%2Cip%3Ddhcp%2Cip6%3Ddhcp';
    await record('lxc-create.pve6.json', api('POST', '/nodes/pve/lxc', lxcForm));
    await record('lxc-create-500-exists.pve6.json', api('POST', '/nodes/pve/lxc', lxcForm));
    fake.finishTasks();
    await record('lxc-config.pve6.json', api('GET', '/nodes/pve/lxc/110/config'));
    await api('POST', '/nodes/pve/lxc/110/status/start');
    fake.finishTasks();
    await record('lxc-list.pve6.json', api('GET', '/nodes/pve/lxc'));
    await record('lxc-status-current-running.pve6.json', api('GET', '/nodes/pve/lxc/110/status/current'));

    fake.failNextTask({
      type: 'vzcreate',
      message: "unable to create CT 111 - volume 'local:vztmpl/missing.tar.xz' does not exist",
    });
    const failed = await api('POST', '/nodes/pve/lxc', 'vmid=111&ostemplate=local%3Avztmpl%2Fmissing.tar.xz');
    fake.finishTasks();
    const failedUpid = encodeURIComponent((failed.body as { data: string }).data);
    await record('task-status-failed.pve6.json', api('GET', `/nodes/pve/tasks/${failedUpid}/status`));
    await record('task-log-failed.pve6.json', api('GET', `/nodes/pve/tasks/${failedUpid}/log`));
    await record('node-tasks.pve7.json', api('GET', '/nodes/pve/tasks'));
    await record('node-tasks-failed.pve6.json', api('GET', '/nodes/pve/tasks', 'errors=1'));
  }, 30_000);

  afterAll(async () => {
    await fake?.close();
  });

  const VMID_STRING = ['data[].vmid', 'data.vmid'];
  const cases: [string, Allow][] = [
    ['nodes.pve7.json', {}],
    ['cluster-nextid.pve7.json', {}],
    ['version.pve6.json', { absent: ['data.keyboard'] }],
    ['cluster-resources-node.pve6.json', {}],
    ['node-storage.pve6.json', {}],
    ['storage-content.pve6.json', {}],
    ['node-rrddata.pve6.json', {}],
    ['node-network.pve6.json', { absent: ['changes'] }],
    ['node-network-400.pve6.json', ERROR_EXTRA],
    ['access-permissions.pve6.json', { maps: ['data', 'data.*'] }],
    ['access-users.pve6.json', { extra: ['data[].realm-type'] }],
    ['access-token-create.pve6.json', {}],
    [
      'access-ticket.pve6.json',
      {
        maps: ['data.cap.storage', 'data.cap.vms', 'data.cap.dc', 'data.cap.nodes', 'data.cap.access'],
        extra: ['data.cap.sdn', 'data.cap.mapping'],
      },
    ],
    ['access-ticket-401.pve6.json', {}],
    ['cluster-nextid-400-taken.pve6.json', ERROR_EXTRA],
    ['cluster-nextid-400-invalid.pve6.json', ERROR_EXTRA],
    [
      'qemu-status-current-running.pve6.json',
      {
        // PVE 7 typed vmid/pid as integers and dropped `template: ""`; the nic counters' type is not pinned down.
        types: [...VMID_STRING, 'data.pid', 'data.nics.*.netin', 'data.nics.*.netout'],
        absent: ['data.template'],
        extra: ['data.running-machine', 'data.running-qemu'],
        maps: ['data.nics', 'data.blockstat'],
      },
    ],
    ['qemu-create-500-exists.pve6.json', ERROR_EXTRA],
    ['qemu-status-current-500-missing.pve6.json', ERROR_EXTRA],
    ['qemu-termproxy.pve6.json', {}],
    // qemu-server returns a VNC password for every non-serial VNC console since commit 282ec11d (PVE 8 and 9).
    ['qemu-vncproxy.pve6.json', { extra: ['data.password'] }],
    ['qemu-create.pve7.json', {}],
    ['task-status-running.pve7.json', { extra: ['data.tokenid'] }],
    ['task-status-ok.pve7.json', { extra: ['data.tokenid'] }],
    ['task-log-ok.pve7.json', {}],
    ['qemu-status-current-stopped.pve7.json', {}],
    ['qemu-config-minimal.pve7.json', {}],
    ['qemu-snapshot-create.pve7.json', {}],
    ['qemu-snapshot-list.pve7.json', {}],
    ['qemu-snapshot-config-put.pve7.json', {}],
    ['qemu-snapshot-delete.pve7.json', {}],
    // PVE 6 had no `meta` and no default `boot`; both are present since PVE 7.
    ['qemu-config-virtio.pve6.json', { extra: ['data.meta', 'data.boot'] }],
    // `PUT .../resize` returns a UPID since PVE 8.0 (null before).
    ['qemu-resize.pve6.json', { types: ['data'] }],
    // vmid integer since PVE 7; `template` is left out for non-templates; PVE 6 sent `pid: null` when stopped.
    ['qemu-list.pve6.json', { types: [...VMID_STRING, 'data[].pid'], absent: ['data[].template'] }],
    ['qemu-delete.pve7.json', {}],
    ['lxc-create.pve6.json', {}],
    ['lxc-create-500-exists.pve6.json', ERROR_EXTRA],
    // `unprivileged=1` is the create default since PVE 7.
    ['lxc-config.pve6.json', { extra: ['data.unprivileged', 'data.cores'] }],
    // LXC `vmid` is an integer since pve-container 5.0.10 (PVE 8.2); empty `template`/`lock` are omitted since PVE 7.
    [
      'lxc-list.pve6.json',
      { types: VMID_STRING, absent: ['data[].template', 'data[].lock'], extra: ['data[].pid'] },
    ],
    [
      'lxc-status-current-running.pve6.json',
      {
        types: [...VMID_STRING, 'data.pid', 'data.disk', 'data.maxdisk'],
        absent: ['data.template', 'data.lock'],
      },
    ],
    ['task-status-failed.pve6.json', { extra: ['data.tokenid'] }],
    ['task-log-failed.pve6.json', {}],
    ['node-tasks.pve7.json', { extra: ['data[].tokenid'] }],
    ['node-tasks-failed.pve6.json', { extra: ['total', 'data[].tokenid'] }],
  ];

  it('has a case for every sample file', () => {
    const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json') && !f.startsWith('_'));
    expect(files.sort()).toEqual(cases.map(([f]) => f).sort());
  });

  it.each(cases)('%s', (file, allow) => {
    expect(got.has(file), `no counterpart produced for ${file}`).toBe(true);
    expect(shapeDiff(sample(file), got.get(file), allow)).toEqual([]);
  });
});

interface HttpErrorSample {
  request: string;
  request_body: string | null;
  status: number;
  reason: string;
  body: unknown;
}

describe('the fake reproduces the recorded HTTP errors exactly in PVE 8 mode (reason phrase only)', () => {
  const errors = () => (sample('_http-errors.pve6.json') as { errors: HttpErrorSample[] }).errors;

  it('covers all 17 recorded errors', () => {
    expect(errors()).toHaveLength(17);
  });

  it.each(Array.from({ length: 17 }, (_, i) => i))('recorded error #%i', async (i) => {
    const e = errors()[i];
    if (!e) throw new Error(`recorded error #${i} is missing from _http-errors.pve6.json`);
    const options: PveFakeOptions = {
      nodes: ['pve'],
      pveVersion: 8,
      guests: e.request.includes('nextid?vmid=100') ? [{ type: 'lxc', vmid: 100 }] : [],
    };
    const fake = createPveFake(options);
    const server = await fake.listen();
    try {
      const [method = 'GET', rawPath = '/'] = e.request.split(' ');
      const [p = '/', query = ''] = rawPath.replace('/api2/json', '').split('?');
      const form = method === 'GET' || method === 'DELETE' ? query : (e.request_body ?? '');
      const auth: Auth =
        p === '/access/ticket'
          ? 'none'
          : p.includes('/token/')
            ? { header: 'PVEAPIToken=root@pam!root1=wrong' }
            : 'token';
      if (e.reason.includes('already exists') && e.status === 500)
        await call(server, fake, method, p, form, auth);
      if (p === '/nodes/pve/network') await call(server, fake, method, p, form, auth);
      const reply = await call(server, fake, method, p, form, auth);
      expect({ status: reply.status, reason: reply.reason, body: reply.body }).toEqual({
        status: e.status,
        reason: e.reason,
        body: e.body,
      });
    } finally {
      await fake.close();
    }
  });
});
