import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake } from '../src/index.js';
import { type MswApi, mswApi } from './support/msw-api.js';

/** Resize and convert-to-template: which checks fail the request and which fail the task, as in PVE's code. */
describe('PVE fake: resize and template checks', () => {
  const server = setupServer();
  let fake: PveFake;
  let api: MswApi;

  const resize = (vmid: number, params: Record<string, string>, as: MswApi = api) =>
    as.call<string>('PUT', `/nodes/pve1/qemu/${vmid}/resize`, params);
  const taskResult = async (res: { status: number; reason: string; body: { data: string } }) => {
    expect(res.status, res.reason).toBe(200);
    return api.task(res.body.data);
  };
  const config = async (vmid: number, kind = 'qemu') =>
    (await api.call<Record<string, unknown>>('GET', `/nodes/pve1/${kind}/${vmid}/config`)).body.data;

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    fake = createPveFake({
      nodes: ['pve1'],
      guests: [
        { vmid: 100, node: 'pve1' },
        { vmid: 101, node: 'pve1', status: 'running' },
        { vmid: 102, node: 'pve1', snapshots: ['s1'] },
        { vmid: 103, node: 'pve1', template: true },
        { vmid: 104, node: 'pve1', type: 'lxc' },
        { vmid: 105, node: 'pve1', lock: 'backup' },
      ],
      taskDurationMs: 0,
    });
    api = mswApi(server, fake);
  });

  it('fails the resize task, not the request, for shrink, cdrom, missing disk and digest (resize_vm worker)', async () => {
    const digest = String((await config(100)).digest);
    const cases: [Record<string, string>, string][] = [
      [{ disk: 'scsi0', size: '16G' }, 'shrinking disks is not supported'],
      [{ disk: 'ide2', size: '1G' }, "you can't resize a cdrom"],
      [{ disk: 'scsi9', size: '40G' }, "disk 'scsi9' does not exist"],
      [
        { disk: 'scsi0', size: '40G', digest: '0'.repeat(40) },
        'checksum mismatch (file change by other user?)',
      ],
    ];
    for (const [params, error] of cases) {
      const { status } = await taskResult(await resize(100, params));
      expect(status).toMatchObject({ type: 'resize', exitstatus: error });
    }
    expect((await config(100)).digest).toBe(digest);
  });

  it('an absolute size equal to the current one is an OK task that changes nothing (return if $size == $newsize)', async () => {
    const grown = await taskResult(await resize(100, { disk: 'scsi0', size: '40G' }));
    expect(grown.status.exitstatus).toBe('OK');
    const after = await config(100);
    expect(after.scsi0).toBe('local-lvm:vm-100-disk-0,iothread=1,size=40G');
    const again = await taskResult(await resize(100, { disk: 'scsi0', size: String(40 * 1024 ** 3) }));
    expect(again.status.exitstatus).toBe('OK');
    expect(again.log).toEqual(['TASK OK']);
    expect((await config(100)).digest).toBe(after.digest);
  });

  it('checks Datastore.AllocateSpace on the storage inside the worker', async () => {
    fake.addUser({ userid: 'disk@pve', password: 'secret-pw' });
    fake.addRole('DiskOnly', ['VM.Config.Disk', 'VM.Audit']);
    fake.setAcl({ path: '/vms/100', roles: 'DiskOnly', user: 'disk@pve' });
    const disk = mswApi(server, fake, fake.addToken('disk@pve', 't', { privsep: false }));
    const res = await resize(100, { disk: 'scsi0', size: '+1G' }, disk);
    expect((await taskResult(res)).status.exitstatus).toBe(
      'Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)',
    );
  });

  it('LXC checks before forking too: unable to shrink, already at size (pve-container resize_vm $load_and_check)', async () => {
    const shrink = await api.call('PUT', '/nodes/pve1/lxc/104/resize', { disk: 'rootfs', size: '4G' });
    expect(shrink).toMatchObject({ status: 500, reason: 'unable to shrink disk size' });
    const same = await api.call('PUT', '/nodes/pve1/lxc/104/resize', { disk: 'rootfs', size: '8G' });
    expect(same).toMatchObject({ status: 500, reason: 'disk is already at specified size' });
    const grow = await api.call<string>('PUT', '/nodes/pve1/lxc/104/resize', { disk: 'rootfs', size: '+2G' });
    expect((await taskResult(grow)).status.exitstatus).toBe('OK');
    expect(String((await config(104, 'lxc')).rootfs)).toContain('size=10G');
  });

  it('refuses qmtemplate before forking (HTTP 500): running, snapshots, already a template (Qemu.pm template $load_and_check)', async () => {
    const template = (vmid: number) => api.call('POST', `/nodes/pve1/qemu/${vmid}/template`);
    expect(await template(101)).toMatchObject({
      status: 500,
      reason: "you can't convert a VM to template if VM is running",
    });
    expect(await template(102)).toMatchObject({
      status: 500,
      reason: 'unable to create template, because VM contains snapshots',
    });
    expect(await template(103)).toMatchObject({
      status: 500,
      reason: "you can't convert a template to a template",
    });
    expect(await template(105)).toMatchObject({ status: 500, reason: 'VM is locked (backup)' });
    const ok = await api.call<string>('POST', '/nodes/pve1/qemu/100/template');
    expect((await taskResult(ok)).status).toMatchObject({ type: 'qmtemplate', exitstatus: 'OK' });
    expect(await config(100)).toMatchObject({
      template: 1,
      scsi0: 'local-lvm:base-100-disk-0,iothread=1,size=32G',
    });
  });
});
