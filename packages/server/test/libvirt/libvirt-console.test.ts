// The console proxy in front of a real libvirt guest: OpenConsole over the API of a running `hvc-server demo`, then
// a noVNC-like WebSocket client through the proxy, which authenticates upstream to QEMU's VNC server with the
// connector's one-time password (VNC authentication) while the browser sees security type None.

import { type HvcClient, wire } from '@hvc/client';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../../hypervisor-connector-libvirt/test/connector/support/live-guests.js';
import { injectLab } from '../../../hypervisor-connector-libvirt/test/lab/provided-lab.js';
import { demoServerForFile, followOperation } from '../support/demo-server.js';
import { consoleStatus, viewDesktop } from '../support/rfb-websocket-viewer.js';
import { createLabTarget, createTinyGuest } from './support/lab-api.js';

const lab = injectLab();
const targetId = 'kvm-console';

const demo = demoServerForFile();
const watch = (client: HvcClient, operationId: string) => followOperation(client, targetId, operationId);

describe('the console proxy with a libvirt target', () => {
  it('bridges a WebSocket viewer to a running guest’s VNC display, once per ticket', {
    timeout: 180_000,
  }, async () => {
    const { admin } = demo;
    await createLabTarget(admin, lab, targetId);
    const { guestId, operationId } = await createTinyGuest(admin, lab, targetId, uniqueName('console'));
    try {
      expect((await watch(admin, operationId))?.status).toBe(wire.OperationStatus.SUCCEEDED);
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
