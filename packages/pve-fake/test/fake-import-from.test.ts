import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake } from '../src/index.js';
import { type MswApi, mswApi } from './support/msw-api.js';

const IMAGE = 'local:import/noble-server-cloudimg-amd64.qcow2';
const ISO = 'local:iso/debian-12.7.0-amd64-netinst.iso';

/** Creating a VM disk from an image (`import-from`), each case as qemu-server `API2/Qemu.pm` has it. */
describe('PVE fake: disks from images with import-from', () => {
  const server = setupServer();
  let fake: PveFake;
  let api: MswApi;

  /** A user with a role of exactly `privs` on each path, as a token without privilege separation. */
  const userApi = (name: string, grants: Record<string, readonly string[]>): MswApi => {
    const userid = `${name}@pve`;
    fake.addUser({ userid, password: 'secret-pw' });
    for (const [path, privs] of Object.entries(grants)) {
      const role = `R${name}${path.replace(/\W/g, '')}`;
      fake.addRole(role, privs);
      fake.setAcl({ path, roles: role, user: userid });
    }
    const token = fake.addToken(userid, 't', { privsep: false });
    return mswApi(server, fake, token);
  };

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    fake = createPveFake({ nodes: ['pve1'], guests: [{ vmid: 100, node: 'pve1' }] });
    api = mswApi(server, fake);
  });

  it('GET .../content/{volume} answers the virtual size, file size as used, format and path (Content.pm info)', async () => {
    const res = await api.call('GET', `/nodes/pve1/storage/local/content/${encodeURIComponent(IMAGE)}`);
    expect(res.status, res.reason).toBe(200);
    expect(res.body.data).toEqual({
      path: '/var/lib/vz/import/noble-server-cloudimg-amd64.qcow2',
      size: 3.5 * 1024 ** 3,
      used: 597 * 1024 ** 2,
      format: 'qcow2',
    });
    const short = await api.call(
      'GET',
      '/nodes/pve1/storage/local/content/import%2Fnoble-server-cloudimg-amd64.qcow2',
    );
    expect(short.body.data).toMatchObject({ size: 3.5 * 1024 ** 3 });
    const mismatch = await api.call(
      'GET',
      `/nodes/pve1/storage/local-lvm/content/${encodeURIComponent(IMAGE)}`,
    );
    expect(mismatch.body.errors).toEqual({ volume: 'storage ID mismatch (local != local-lvm)\n' });
    const gone = await api.call('GET', '/nodes/pve1/storage/local/content/import%2Fnone.qcow2');
    expect(gone).toMatchObject({
      status: 500,
      reason: "volume_size_info on 'local:import/none.qcow2' failed - no format",
    });
  });

  it('GET .../content/{volume} needs read access to the volume (check_volume_access)', async () => {
    const nobody = userApi('nobody', {});
    const denied = await nobody.call('GET', `/nodes/pve1/storage/local/content/${encodeURIComponent(IMAGE)}`);
    expect(denied).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/storage/local, Datastore.AllocateSpace|Datastore.Audit)',
    });
    const auditor = userApi('auditor', { '/storage/local': ['Datastore.Audit'] });
    expect(
      (await auditor.call('GET', `/nodes/pve1/storage/local/content/${encodeURIComponent(IMAGE)}`)).status,
    ).toBe(200);
  });

  it('copies the image inside the qmcreate task, logs clone_disk/convert lines, sizes the disk like the image (create_disks)', async () => {
    const res = await api.call<string>('POST', '/nodes/pve1/qemu', {
      vmid: 200,
      name: 'cloud',
      scsi0: `local-lvm:0,import-from=${IMAGE},discard=on`,
    });
    expect(res.status, res.reason).toBe(200);
    const { status, log } = await api.task(res.body.data);
    expect(status).toMatchObject({ type: 'qmcreate', exitstatus: 'OK' });
    expect(log).toEqual(
      expect.arrayContaining([
        `create full clone of drive (${IMAGE})`,
        'transferred 0.0 B of 3.5 GiB (0.00%)',
        'transferred 3.5 GiB of 3.5 GiB (100.00%)',
        "scsi0: successfully created disk 'local-lvm:vm-200-disk-0,discard=on,size=3584M'",
      ]),
    );
    const config = (await api.call<Record<string, unknown>>('GET', '/nodes/pve1/qemu/200/config')).body.data;
    expect(config.scsi0).toBe('local-lvm:vm-200-disk-0,discard=on,size=3584M');
  });

  it('imports on POST .../config too, in the qmconfig task ($update_vm_api → create_disks)', async () => {
    const res = await api.call<string>('POST', '/nodes/pve1/qemu/100/config', {
      scsi1: `local-lvm:0,import-from=${IMAGE}`,
    });
    expect(res.status, res.reason).toBe(200);
    const { status, log } = await api.task(res.body.data);
    expect(status.exitstatus).toBe('OK');
    expect(log).toContain(`create full clone of drive (${IMAGE})`);
    const config = (await api.call<Record<string, unknown>>('GET', '/nodes/pve1/qemu/100/config')).body.data;
    expect(String(config.scsi1)).toMatch(/^local-lvm:vm-100-disk-\d+,size=3584M$/);
  });

  it('refuses import-from on anything but <storage>:0 with 400 ($check_drive_param)', async () => {
    for (const scsi0 of [
      `local-lvm:8,import-from=${IMAGE}`,
      `local-lvm:vm-100-disk-0,import-from=${IMAGE}`,
    ]) {
      const res = await api.call('POST', '/nodes/pve1/qemu', { vmid: 201, scsi0 });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({
        scsi0: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
      });
    }
  });

  it('refuses an ISO as source and a target storage without images content ($check_storage_access)', async () => {
    const iso = await api.call('POST', '/nodes/pve1/qemu', {
      vmid: 201,
      scsi0: `local-lvm:0,import-from=${ISO}`,
    });
    expect(iso.status).toBe(400);
    expect(iso.body.errors).toEqual({
      scsi0: `${ISO} has wrong type 'iso' - needs to be 'images' or 'import'`,
    });
    const target = await api.call('POST', '/nodes/pve1/qemu', {
      vmid: 201,
      scsi0: `local:0,import-from=${IMAGE}`,
    });
    expect(target.status).toBe(400);
    expect(target.body.errors).toEqual({ storage: "storage 'local' does not support vm images" });
    expect((await api.call('GET', '/cluster/resources', { type: 'vm' })).body.data).toHaveLength(1);
  });

  it('needs Datastore.AllocateSpace on the target and read access to the source (check_volume_access)', async () => {
    const params = { vmid: 202, scsi0: `local-lvm:0,import-from=${IMAGE}` };
    const noTarget = userApi('a', { '/vms/202': ['VM.Allocate'], '/storage/local': ['Datastore.Audit'] });
    expect(await noTarget.call('POST', '/nodes/pve1/qemu', params)).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)',
    });
    const noSource = userApi('b', {
      '/vms/202': ['VM.Allocate'],
      '/storage/local-lvm': ['Datastore.AllocateSpace'],
    });
    expect(await noSource.call('POST', '/nodes/pve1/qemu', params)).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/storage/local, Datastore.AllocateSpace|Datastore.Audit)',
    });
    const both = userApi('c', {
      '/vms/202': ['VM.Allocate'],
      '/storage/local-lvm': ['Datastore.AllocateSpace'],
      '/storage/local': ['Datastore.Audit'],
    });
    const ok = await both.call<string>('POST', '/nodes/pve1/qemu', params);
    expect(ok.status, ok.reason).toBe(200);
    expect((await api.task(ok.body.data)).status.exitstatus).toBe('OK');
  });

  it('a source that is not there fails the task, and the VM is not created ($import_from_volid)', async () => {
    const res = await api.call<string>('POST', '/nodes/pve1/qemu', {
      vmid: 203,
      scsi0: 'local-lvm:0,import-from=local:import/missing.qcow2',
    });
    expect(res.status, res.reason).toBe(200);
    const { status } = await api.task(res.body.data);
    expect(status.exitstatus).toBe(
      "cannot import from 'local:import/missing.qcow2' - could not get size of local:import/missing.qcow2",
    );
    expect((await api.call('GET', '/nodes/pve1/qemu/203/config')).status).toBe(500);
  });
});
