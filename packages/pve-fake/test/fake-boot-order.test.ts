import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake } from '../src/index.js';
import { type MswApi, mswApi } from './support/msw-api.js';

/** `boot: order=...` as qemu-server checks it: the format (`verify_bootdev`) and, on update, the devices' existence. */
describe('PVE fake: boot order', () => {
  const server = setupServer();
  let fake: PveFake;
  let api: MswApi;

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    fake = createPveFake({ nodes: ['pve1'], guests: [{ vmid: 100, node: 'pve1' }], taskDurationMs: 0 });
    api = mswApi(server, fake);
  });

  it('creates an ISO-booting VM with boot order=ide2;scsi0;net0 and agent 1', async () => {
    const res = await api.call<string>('POST', '/nodes/pve1/qemu', {
      vmid: 200,
      ide2: 'local:iso/debian-12.7.0-amd64-netinst.iso,media=cdrom',
      scsi0: 'local-lvm:8',
      net0: 'virtio,bridge=vmbr0',
      boot: 'order=ide2;scsi0;net0',
      agent: 1,
    });
    expect(res.status, res.reason).toBe(200);
    expect((await api.task(res.body.data)).status.exitstatus).toBe('OK');
    const config = (await api.call<Record<string, unknown>>('GET', '/nodes/pve1/qemu/200/config')).body.data;
    expect(config).toMatchObject({ boot: 'order=ide2;scsi0;net0', agent: '1' });
  });

  it("refuses an ISO without media=cdrom ($check_drive_param: explicit 'media=cdrom' is required)", async () => {
    const res = await api.call('POST', '/nodes/pve1/qemu', {
      vmid: 201,
      ide2: 'local:iso/debian-12.7.0-amd64-netinst.iso',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ ide2: "explicit 'media=cdrom' is required for iso images" });
  });

  it('refuses devices verify_bootdev does not know: efidisk0, unknown names, net32 (pve-qm-boot format)', async () => {
    for (const dev of ['efidisk0', 'floppy0', 'net32']) {
      const res = await api.call('PUT', '/nodes/pve1/qemu/100/config', { boot: `order=scsi0;${dev}` });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({
        boot: `invalid format - format error\nboot.order: invalid format - invalid boot device '${dev}'\n\n`,
      });
    }
    const legacy = await api.call('PUT', '/nodes/pve1/qemu/100/config', { boot: 'xyz' });
    expect(legacy.body.errors).toEqual({
      boot: 'invalid format - format error\nboot.legacy: value does not match the regex pattern\n',
    });
  });

  it("on update every device must exist and not be deleted by the same call ($update_vm_api: 'invalid bootorder')", async () => {
    const missing = await api.call('PUT', '/nodes/pve1/qemu/100/config', { boot: 'order=scsi0;scsi5' });
    expect(missing).toMatchObject({
      status: 500,
      reason: "invalid bootorder: device 'scsi5' does not exist'",
    });
    const deleted = await api.call<string>('POST', '/nodes/pve1/qemu/100/config', {
      boot: 'order=scsi0;net0',
      delete: 'net0',
    });
    expect((await api.task(deleted.body.data)).status.exitstatus).toBe(
      "invalid bootorder: device 'net0' does not exist'",
    );
    const added = await api.call('PUT', '/nodes/pve1/qemu/100/config', {
      scsi1: 'local-lvm:2',
      boot: 'order=scsi1;scsi0',
    });
    expect(added.status, added.reason).toBe(200);
  });
});
