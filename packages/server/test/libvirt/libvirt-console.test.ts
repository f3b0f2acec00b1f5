// The console proxy in front of a real libvirt guest: OpenConsole over the API of a running `hvc-server demo`, then
// a noVNC-like WebSocket client through the proxy, which authenticates upstream to QEMU's VNC server with the
// connector's one-time password (VNC authentication) while the browser sees security type None.

import type { JsonObject } from '@bufbuild/protobuf';
import { createHvcClient, type HvcClient, wire } from '@hvc/client';
import { createNodeTransport } from '@hvc/client/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  labTargetConfig,
  tinyVmSpec,
} from '../../../hypervisor-connector-libvirt/test/connector/support/lab-target.js';
import { uniqueName } from '../../../hypervisor-connector-libvirt/test/connector/support/live-guests.js';
import { injectLab } from '../../../hypervisor-connector-libvirt/test/lab/provided-lab.js';
import { consoleStatus, viewDesktop } from '../support/rfb-websocket-viewer.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

const lab = injectLab();
const host = lab.hosts[0]!;
const targetId = 'kvm-console';

let server: ServerProcess;
let admin: HvcClient;

async function watch(client: HvcClient, operationId: string): Promise<wire.Operation | undefined> {
  let last: wire.Operation | undefined;
  for await (const update of client.operations.watchOperation({ targetId, operationId }))
    last = update.operation;
  return last;
}

beforeAll(async () => {
  server = startServerProcess(['demo', '--json'], { HVC_PORT: '0' });
  const info = await server.waitFor<{ url: string; adminToken: string }>(
    (line) => typeof line.adminToken === 'string',
  );
  admin = createHvcClient(createNodeTransport({ baseUrl: info.url, token: info.adminToken }));
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe('the console proxy with a libvirt target', () => {
  it('bridges a WebSocket viewer to a running guest’s VNC display, once per ticket', {
    timeout: 180_000,
  }, async () => {
    const config = labTargetConfig(lab, { hosts: [host.tcpUri] }) as unknown as JsonObject;
    await admin.targets.createTarget({ targetId, kind: 'libvirt', config });
    const name = uniqueName('console');
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
      const started = await admin.guests.startGuest({ targetId, guestId });
      expect((await watch(admin, started.operation!.id))?.status).toBe(wire.OperationStatus.SUCCEEDED);

      const opened = await admin.consoles.openConsole({ targetId, guestId, protocol: 'vnc' });
      expect(opened.url).toContain(`/v1/console/demo/${targetId}/${guestId}?ticket=`);
      const desktop = await viewDesktop(opened.url);
      expect(desktop.width).toBeGreaterThan(0);
      expect(desktop.height).toBeGreaterThan(0);
      expect(desktop.name.length).toBeGreaterThan(0);
      expect(desktop.rectangles).toBeGreaterThan(0);
      expect(desktop.encoding).toBe(0);
      expect(await consoleStatus(opened.url)).toBe(403);
    } finally {
      const stopped = await admin.guests.stopGuest({ targetId, guestId }).catch(() => undefined);
      if (stopped) await watch(admin, stopped.operation!.id);
      const deleted = await admin.guests.deleteGuest({ targetId, guestId });
      await watch(admin, deleted.operation!.id);
      await admin.targets.deleteTarget({ targetId });
    }
  });
});
