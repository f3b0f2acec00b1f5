import type { ChildProcess } from 'node:child_process';
import { UPID_PATTERN } from '@hvc/hypervisor-connector-proxmox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, type Ready, startFakeBin } from './support/fake-bin.js';

describe('hvc-pve-fake driven with curl alone', () => {
  let child: ChildProcess;
  let ready: Ready;
  let auth: string[];

  beforeAll(async () => {
    // An empty cluster, so that the VM this test creates is the only guest with tasks.
    ({ child, ready } = await startFakeBin(['--nodes', '2', '--qemu', '0', '--lxc', '0', '--task-ms', '20']));
    const login = await curl([
      '-d',
      `username=${ready.username}`,
      '--data-urlencode',
      `password=${ready.password}`,
      `${ready.url}/api2/json/access/ticket`,
    ]);
    const { ticket, CSRFPreventionToken } = login.body.data as {
      ticket: string;
      CSRFPreventionToken: string;
    };
    auth = [
      '-b',
      `PVEAuthCookie=${encodeURIComponent(ticket)}`,
      '-H',
      `CSRFPreventionToken: ${CSRFPreventionToken}`,
    ];
  }, 30_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  const api = (p: string) => `${ready.url}/api2/json${p}`;

  /** Polls a task with curl until it has stopped; returns its final status. */
  async function waitTask(upid: string): Promise<Record<string, unknown>> {
    expect(upid).toMatch(UPID_PATTERN);
    const node = upid.split(':')[1]!;
    for (;;) {
      const res = await curl([...auth, api(`/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`)]);
      const data = res.body.data as Record<string, unknown>;
      if (data.status === 'stopped') return data;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function post(p: string, ...form: string[]): Promise<string> {
    const res = await curl([...auth, '-X', 'POST', ...form.flatMap((f) => ['--data-urlencode', f]), api(p)]);
    expect(res.status, res.body.message).toBe(200);
    return res.body.data as string;
  }

  it('prints the ready line with a URL, a fingerprint and credentials', () => {
    expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(ready.tokenId).toBe('root@pam!hvc');
  });

  it('runs create → start → snapshot → migrate → stop → delete with UPIDs and task statuses as PVE gives them', async () => {
    const create = await post(
      '/nodes/pve1/qemu',
      'vmid=200',
      'name=curl-vm',
      'memory=1024',
      'scsi0=local-lvm:4',
      'net0=virtio,bridge=vmbr0',
    );
    expect(create).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmcreate:200:root@pam:$/);
    expect(await waitTask(create)).toMatchObject({
      status: 'stopped',
      exitstatus: 'OK',
      type: 'qmcreate',
      id: '200',
      user: 'root@pam',
      node: 'pve1',
    });

    expect(await waitTask(await post('/nodes/pve1/qemu/200/status/start'))).toMatchObject({
      exitstatus: 'OK',
      type: 'qmstart',
    });
    const current = await curl([...auth, api('/nodes/pve1/qemu/200/status/current')]);
    expect(current.body.data).toMatchObject({
      status: 'running',
      qmpstatus: 'running',
      vmid: 200,
      name: 'curl-vm',
    });

    const snap = await post('/nodes/pve1/qemu/200/snapshot', 'snapname=before', 'description=curl');
    expect(await waitTask(snap)).toMatchObject({ exitstatus: 'OK', type: 'qmsnapshot' });
    const snaps = await curl([...auth, api('/nodes/pve1/qemu/200/snapshot')]);
    expect((snaps.body.data as { name: string }[]).map((s) => s.name)).toEqual(['before', 'current']);

    const precheck = await curl([...auth, api('/nodes/pve1/qemu/200/migrate?target=pve2')]);
    expect(precheck.body.data).toMatchObject({ running: 1, allowed_nodes: ['pve2'] });
    const refused = await curl([...auth, '-d', 'target=pve2', api('/nodes/pve1/qemu/200/migrate')]);
    expect(refused.status).toBe(500);
    expect(refused.body.message).toBe("can't migrate running VM without --online\n");
    // Its disk is on local-lvm (not shared): a live migration has to copy it (qemu-server scan_local_volumes).
    expect(precheck.body.data).toMatchObject({
      local_disks: [{ volid: 'local-lvm:vm-200-disk-0', is_attached: 1 }],
    });
    const migrate = await post(
      '/nodes/pve1/qemu/200/migrate',
      'target=pve2',
      'online=1',
      'with-local-disks=1',
    );
    expect(await waitTask(migrate)).toMatchObject({ exitstatus: 'OK', type: 'qmigrate', node: 'pve1' });
    const log = await curl([...auth, api(`/nodes/pve1/tasks/${encodeURIComponent(migrate)}/log`)]);
    expect((log.body.data as { t: string }[]).at(-1)).toMatchObject({ t: 'TASK OK' });
    const old = await curl([...auth, api('/nodes/pve1/qemu/200/status/current')]);
    expect(old.status).toBe(500);
    expect(old.body.message).toBe("Configuration file 'nodes/pve1/qemu-server/200.conf' does not exist\n");

    expect(await waitTask(await post('/nodes/pve2/qemu/200/status/stop'))).toMatchObject({
      exitstatus: 'OK',
      node: 'pve2',
    });
    const del = await curl([...auth, '-X', 'DELETE', api('/nodes/pve2/qemu/200')]);
    expect(await waitTask(del.body.data as string)).toMatchObject({ exitstatus: 'OK', type: 'qmdestroy' });
    const gone = await curl([...auth, api('/nodes/pve2/qemu/200/config')]);
    expect(gone.status).toBe(500);
    const tasks = await curl([...auth, api('/nodes/pve2/tasks')]);
    expect((tasks.body.data as { type: string }[]).map((t) => t.type)).toEqual(['qmdestroy', 'qmstop']);
  });

  it('refuses a write with the ticket but without the CSRF header', async () => {
    const res = await curl(['-b', auth[1]!, '-d', 'vmid=201', api('/nodes/pve1/qemu')]);
    expect(res.status).toBe(401);
  });
});
