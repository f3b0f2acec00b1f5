// hvc-server driving a real libvirt host: a `libvirt` target made over the API, a tiny guest created, started,
// watched to its end and read back, then stopped and deleted — the whole path from a client through the server's
// resolver to libvirtd and QEMU. Runs in the `libvirt` vitest project, on the lab its globalSetup started.

import type { JsonObject } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { createHvcClient, type HvcClient, wire } from '@hvc/client';
import { createNodeTransport } from '@hvc/client/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  labTargetConfig,
  tinyVmSpec,
} from '../../../hypervisor-connector-libvirt/test/connector/support/lab-target.js';
import { uniqueName } from '../../../hypervisor-connector-libvirt/test/connector/support/live-guests.js';
import { injectLab } from '../../../hypervisor-connector-libvirt/test/lab/provided-lab.js';
import { virsh } from '../../../hypervisor-connector-libvirt/test/lab/virsh.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

interface DemoLine {
  url: string;
  adminToken: string;
  viewerToken: string;
  otherOrgToken: string;
}

const lab = injectLab();
const host = lab.hosts[0]!;
const targetId = 'kvm-lab';

let server: ServerProcess;
let info: DemoLine;
let admin: HvcClient;

/** Follows an operation to its end over the server's stream; returns its last state. */
async function watch(client: HvcClient, operationId: string): Promise<wire.Operation | undefined> {
  let last: wire.Operation | undefined;
  for await (const update of client.operations.watchOperation({ targetId, operationId }))
    last = update.operation;
  return last;
}

beforeAll(async () => {
  server = startServerProcess(['demo', '--json'], { HVC_PORT: '0' });
  info = await server.waitFor<DemoLine>((line) => typeof line.adminToken === 'string');
  admin = createHvcClient(createNodeTransport({ baseUrl: info.url, token: info.adminToken }));
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe('hvc-server with a libvirt target', () => {
  it('creates the target, then creates, starts, watches, reads, stops and deletes a real guest', {
    timeout: 180_000,
  }, async () => {
    const config = labTargetConfig(lab, { hosts: [host.tcpUri] }) as unknown as JsonObject;
    const { target } = await admin.targets.createTarget({ targetId, kind: 'libvirt', config });
    expect(target).toMatchObject({ id: targetId, organizationId: 'demo', kind: 'libvirt' });

    const tested = await admin.targets.testTargetConnectivity({ targetId });
    expect(tested).toMatchObject({ ok: true, errorCode: '' });
    expect(tested.nodes).toContain(host.name);

    const name = uniqueName('api');
    const spec = tinyVmSpec(lab, name);
    const created = await admin.guests.createGuest({
      targetId,
      spec: {
        type: wire.GuestType.VM,
        name,
        cpus: spec.cpus,
        memoryMib: spec.memoryMiB,
        disks: [{ sizeGib: spec.disks![0]!.sizeGiB as number }],
        providerOptions: spec.providerOptions as JsonObject,
      },
    });
    const guestId = created.operation!.guestId!;
    try {
      expect((await watch(admin, created.operation!.id))?.status).toBe(wire.OperationStatus.SUCCEEDED);
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
      const other = createHvcClient(createNodeTransport({ baseUrl: info.url, token: info.otherOrgToken }));
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
