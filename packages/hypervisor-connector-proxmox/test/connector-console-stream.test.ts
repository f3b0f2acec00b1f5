import diagnosticsChannel from 'node:diagnostics_channel';
import { type ConsoleStream, isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { PROXMOX_DIAGNOSTICS_CHANNELS, type ProxmoxResponseMessage } from '../src/index.js';
import { type FakeTarget, startFakeTarget } from './support/pve-fake-target.js';

let target: FakeTarget;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  target = await startFakeTarget({ taskDurationMs: 20 });
});

afterAll(async () => {
  await Promise.all(opened.map((connector) => connector.close()));
  await target.close();
});

/** Reads exactly `length` bytes from a console stream, keeping what comes after for the next read. */
function byteReader(stream: ConsoleStream) {
  const reader = stream.readable.getReader();
  let pending = new Uint8Array(0);
  return {
    async read(length: number): Promise<Buffer> {
      while (pending.length < length) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the console ended with ${pending.length} of ${length} bytes`);
        pending = Buffer.concat([pending, value]);
      }
      const out = Buffer.from(pending.subarray(0, length));
      pending = pending.subarray(length);
      return out;
    },
    release: () => reader.releaseLock(),
  };
}

/**
 * Speaks RFB past the connector's handshake as a browser's noVNC does: ClientInit, then a full update request, and
 * reads the ServerInit and one FramebufferUpdate of Raw pixels.
 */
async function readOneFrame(stream: ConsoleStream) {
  const reader = byteReader(stream);
  const writer = stream.writable.getWriter();
  await writer.write(Uint8Array.of(1)); // ClientInit, shared
  const init = await reader.read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const bitsPerPixel = init[4] ?? 0;
  const name = (await reader.read(init.readUInt32BE(20))).toString('utf8');
  const request = Buffer.alloc(10);
  request[0] = 3; // FramebufferUpdateRequest, not incremental
  request.writeUInt16BE(width, 6);
  request.writeUInt16BE(height, 8);
  await writer.write(request);
  const update = await reader.read(4 + 12);
  const rectangle = {
    type: update[0],
    rectangles: update.readUInt16BE(2),
    width: update.readUInt16BE(8),
    height: update.readUInt16BE(10),
    encoding: update.readInt32BE(12),
  };
  const pixels = await reader.read(rectangle.width * rectangle.height * (bitsPerPixel / 8));
  writer.releaseLock();
  reader.release();
  return { width, height, name, rectangle, pixelBytes: pixels.length };
}

describe('openConsoleStream over vncproxy and vncwebsocket', () => {
  for (const auth of ['token', 'ticket'] as const) {
    it(`hands over an authenticated RFB stream of a running VM, with an ${auth}`, async () => {
      const connector = target.connect(auth);
      opened.push(connector);
      expect(connector.capabilities.consoleStream).toEqual(['vnc']);
      const sent = target.fake.requests.length;
      const stream = await connector.openConsoleStream('qemu/100', { protocol: 'vnc' });
      try {
        expect(stream.protocol).toBe('vnc');
        expect(stream.rfbVersion).toBe('3.8');
        const frame = await readOneFrame(stream);
        expect(frame).toEqual({
          width: 64,
          height: 48,
          name: 'seed-vm-running',
          rectangle: { type: 0, rectangles: 1, width: 64, height: 48, encoding: 0 },
          pixelBytes: 64 * 48 * 4,
        });
      } finally {
        await stream.close();
      }
      const calls = target.fake.requests.slice(sent).map((r) => `${r.method} ${r.path}`);
      expect(calls).toContain('POST /nodes/pve1/qemu/100/vncproxy');
      expect(calls).toContain('GET /nodes/pve1/qemu/100/vncwebsocket');
    });
  }

  it('opens a running container the same way (pve-container vncproxy with websocket, vncterm)', async () => {
    const connector = target.connect('token');
    opened.push(connector);
    const stream = await connector.openConsoleStream('lxc/102', { protocol: 'vnc' });
    try {
      const frame = await readOneFrame(stream);
      expect(frame).toMatchObject({
        width: 64,
        height: 48,
        name: 'seed-ct-running',
        pixelBytes: 64 * 48 * 4,
      });
    } finally {
      await stream.close();
    }
  });

  it('leaves the proxy task of a used console ending OK, as a proxy whose client attached', async () => {
    const connector = target.connect('token');
    opened.push(connector);
    const sent = target.fake.requests.length;
    const stream = await connector.openConsoleStream('qemu/100', { protocol: 'vnc' });
    await stream.close();
    const proxy = target.fake.requests
      .slice(sent)
      .find((r) => r.method === 'POST' && r.path.endsWith('/vncproxy'));
    expect(proxy).toBeDefined();
    target.fake.finishTasks();
    // Every console of VM 100 so far had its client attach: none timed out waiting.
    const tasks = (await connector.raw('GET', '/nodes/pve1/tasks', {
      vmid: 100,
      typefilter: 'vncproxy',
    })) as { status?: string }[];
    expect(tasks.length).toBeGreaterThanOrEqual(3);
    expect(tasks.map((task) => task.status)).toEqual(tasks.map(() => 'OK'));
  });

  it('refuses a stopped guest with CONFLICT before asking PVE for a proxy', async () => {
    const connector = target.connect('token');
    opened.push(connector);
    const sent = target.fake.requests.length;
    const refused = await rejection(connector.openConsoleStream('qemu/101', { protocol: 'vnc' }));
    expect(isHypervisorError(refused, 'CONFLICT')).toBe(true);
    expect((refused as Error).message).toContain('stopped');
    expect(target.fake.requests.slice(sent).map((r) => r.path)).not.toContainEqual(
      expect.stringMatching(/vncproxy$/),
    );
  });

  it('is PERMISSION_DENIED naming VM.Console on a guest the credential may not open', async () => {
    target.fake.addUser({ userid: 'console-one@pve', password: 'console-one-password' });
    target.fake.setAcl({ path: '/vms/100', roles: 'PVEVMUser', user: 'console-one@pve' });
    target.fake.setAcl({ path: '/vms/102', roles: 'PVEAuditor', user: 'console-one@pve' });
    const connector = target.connect('ticket');
    const limited = (await import('../src/index.js')).createProxmoxConnector({
      endpoints: [target.server.url],
      credentials: { username: 'console-one@pve', password: 'console-one-password' },
      tls: { fingerprint: target.server.fingerprint },
    });
    opened.push(connector, limited);
    const denied = await rejection(limited.openConsoleStream('lxc/102', { protocol: 'vnc' }));
    expect(isHypervisorError(denied, 'PERMISSION_DENIED')).toBe(true);
    expect(denied).toMatchObject({ details: { privilege: 'VM.Console' } });
    const allowed = await limited.openConsoleStream('qemu/100', { protocol: 'vnc' });
    expect(allowed.rfbVersion).toBe('3.8');
    await allowed.close();
  });

  it('is UNSUPPORTED, with nothing asked of PVE, for a credential without VM.Console anywhere', async () => {
    target.fake.addUser({ userid: 'auditor@pve', password: 'auditor-password' });
    target.fake.setAcl({ path: '/', roles: 'PVEAuditor', user: 'auditor@pve' });
    const auditor = (await import('../src/index.js')).createProxmoxConnector({
      endpoints: [target.server.url],
      credentials: { username: 'auditor@pve', password: 'auditor-password' },
      tls: { fingerprint: target.server.fingerprint },
    });
    opened.push(auditor);
    const { capabilities } = await auditor.describe();
    expect(capabilities.consoleStream).toEqual([]);
    expect(capabilities.notes?.consoleStream).toContain('VM.Console');
    const sent = target.fake.requests.length;
    const refused = await rejection(auditor.openConsoleStream('qemu/100', { protocol: 'vnc' }));
    expect(isHypervisorError(refused, 'UNSUPPORTED')).toBe(true);
    expect(target.fake.requests.slice(sent).map((r) => r.path)).not.toContainEqual(
      expect.stringMatching(/vncproxy$/),
    );
  });

  it('is CANCELLED for an aborted call, and asks PVE for no proxy', async () => {
    const connector = target.connect('token');
    opened.push(connector);
    const sent = target.fake.requests.length;
    const refused = await rejection(
      connector.openConsoleStream('qemu/100', { protocol: 'vnc' }, { signal: AbortSignal.abort() }),
    );
    expect(isHypervisorError(refused, 'CANCELLED')).toBe(true);
    expect(target.fake.requests.slice(sent).map((r) => r.path)).not.toContainEqual(
      expect.stringMatching(/vncproxy$/),
    );
  });

  it('is UNAUTHENTICATED when PVE finds the VNC ticket expired (older than 40 s), with no secret in the error', async () => {
    const connector = target.connect('token');
    opened.push(connector);
    // The fake's clock jumps 41 s as the vncproxy answer arrives, so the ticket is stale at vncwebsocket.
    const age = (message: unknown) => {
      const { method, path, status } = message as ProxmoxResponseMessage;
      if (method === 'POST' && path.endsWith('/vncproxy') && status === 200)
        target.fake.clock.advance(41_000);
    };
    diagnosticsChannel.subscribe(PROXMOX_DIAGNOSTICS_CHANNELS.response, age);
    const sent = target.fake.requests.length;
    let refused: unknown;
    try {
      refused = await rejection(connector.openConsoleStream('qemu/100', { protocol: 'vnc' }));
    } finally {
      diagnosticsChannel.unsubscribe(PROXMOX_DIAGNOSTICS_CHANNELS.response, age);
    }
    expect(isHypervisorError(refused, 'UNAUTHENTICATED')).toBe(true);
    expect((refused as Error).message).toContain('invalid PVEVNC ticket');
    const websocket = target.fake.requests.slice(sent).find((r) => r.path.endsWith('/vncwebsocket'));
    expect(websocket?.status).toBe(401);
    const text = JSON.stringify({ refused, message: (refused as Error).message });
    expect(text).not.toMatch(/PVEVNC:[0-9A-F]{8}/);
    expect(text).not.toContain(target.fake.credentials.tokenSecret);
  });
});
