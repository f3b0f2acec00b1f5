// hvc-server driving a real libvirt host: a `libvirt` target made over the API, a tiny guest created, started,
// watched to its end and read back, then stopped and deleted — the whole path from a client through the server's
// resolver to libvirtd and QEMU. Runs in the `libvirt` vitest project, on the lab its globalSetup started.

import { ConnectError } from '@connectrpc/connect';
import { type HvcClient, wire } from '@hvc/client';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../../hypervisor-connector-libvirt/test/connector/support/live-guests.js';
import { injectLab } from '../../../hypervisor-connector-libvirt/test/lab/provided-lab.js';
import { virsh } from '../../../hypervisor-connector-libvirt/test/lab/virsh.js';
import { demoServerForFile, followOperation } from '../support/demo-server.js';
import { createLabTarget, createTinyGuest } from './support/lab-api.js';

const lab = injectLab();
const host = lab.hosts[0]!;
const targetId = 'kvm-lab';

const demo = demoServerForFile();
const watch = (client: HvcClient, operationId: string) => followOperation(client, targetId, operationId);

describe('hvc-server with a libvirt target', () => {
  it('creates the target, then creates, starts, watches, reads, stops and deletes a real guest', {
    timeout: 180_000,
  }, async () => {
    const { admin } = demo;
    const target = await createLabTarget(admin, lab, targetId);
    expect(target).toMatchObject({ id: targetId, organizationId: 'demo', kind: 'libvirt' });

    const tested = await admin.targets.testTargetConnectivity({ targetId });
    expect(tested).toMatchObject({ ok: true, errorCode: '' });
    expect(tested.nodes).toContain(host.name);

    const name = uniqueName('api');
    const { guestId, operationId } = await createTinyGuest(admin, lab, targetId, name);
    try {
      expect((await watch(admin, operationId))?.status).toBe(wire.OperationStatus.SUCCEEDED);
      const { guests } = await admin.guests.listGuests({ targetId });
      expect(guests.find((guest) => guest.id === guestId)).toMatchObject({
        name,
        state: wire.GuestState.STOPPED,
      });

      const started = await admin.guests.startGuest({ targetId, guestId });
      expect((await watch(admin, started.operation!.id))?.status).toBe(wire.OperationStatus.SUCCEEDED);
      expect((await admin.guests.getGuest({ targetId, guestId })).guest?.state).toBe(wire.GuestState.RUNNING);
      expect((await virsh(host.unixUri, ['domstate', name])).trim()).toBe('running');

      // Another organisation does not see the target, under any protocol.
      const other = demo.otherOrg();
      const hidden = await other.guests
        .getGuest({ targetId, guestId })
        .catch((e: unknown) => ConnectError.from(e));
      expect(hidden).toBeInstanceOf(ConnectError);
      expect((hidden as ConnectError).code).toBe(5); // NOT_FOUND, never PERMISSION_DENIED

      const stopped = await admin.guests.stopGuest({ targetId, guestId });
      expect((await watch(admin, stopped.operation!.id))?.status).toBe(wire.OperationStatus.SUCCEEDED);
      expect((await virsh(host.unixUri, ['domstate', name])).trim()).toBe('shut off');
    } finally {
      const deleted = await admin.guests.deleteGuest({ targetId, guestId });
      expect((await watch(admin, deleted.operation!.id))?.status).toBe(wire.OperationStatus.SUCCEEDED);
    }
    const gone = await admin.guests
      .getGuest({ targetId, guestId })
      .catch((e: unknown) => ConnectError.from(e));
    expect((gone as ConnectError).code).toBe(5);
    await admin.targets.deleteTarget({ targetId });
  });
});
