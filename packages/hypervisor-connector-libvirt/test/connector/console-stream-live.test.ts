// openConsoleStream on the shared lab: a real QEMU VNC server, through the kit's RFB handshake (VNC
// authentication with the connector's one-time password, or None when the target allows a display without one).

import type { ConsoleStream } from '@hvc/hypervisor-connector';
import { afterAll, describe, expect, it } from 'vitest';
import { injectLab } from '../lab/provided-lab.js';
import { defineTinyGuest, deleteTinyGuest } from '../lab/tiny-guests.js';
import { virsh } from '../lab/virsh.js';
import { LiveGuests, uniqueName } from './support/live-guests.js';

const lab = injectLab();
const [one] = lab.hosts as [(typeof lab.hosts)[0]];
const live = new LiveGuests(lab);

afterAll(() => live.dispose(), 120_000);

/** Reads exactly `length` bytes at a time from the stream's readable side. */
function byteReader(readable: ReadableStream<Uint8Array>) {
  const reader = readable.getReader();
  let pending = Buffer.alloc(0);
  return async (length: number): Promise<Buffer> => {
    while (pending.length < length) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the console ended with ${length - pending.length} bytes missing`);
      pending = Buffer.concat([pending, value]);
    }
    const out = pending.subarray(0, length);
    pending = pending.subarray(length);
    return out;
  };
}

/** ClientInit → ServerInit, then one FramebufferUpdate for a full-screen request: what a viewer does first. */
async function expectDesktop(stream: ConsoleStream): Promise<void> {
  const writer = stream.writable.getWriter();
  const read = byteReader(stream.readable);
  await writer.write(Uint8Array.of(1));
  const init = await read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  expect(width).toBeGreaterThan(0);
  expect(height).toBeGreaterThan(0);
  expect([8, 16, 32]).toContain(init[4]);
  const name = (await read(init.readUInt32BE(20))).toString('utf8');
  expect(name.length).toBeGreaterThan(0);
  const request = Buffer.alloc(10);
  request.writeUInt8(3, 0);
  request.writeUInt16BE(width, 6);
  request.writeUInt16BE(height, 8);
  await writer.write(request);
  const update = await read(4);
  expect(update[0]).toBe(0); // FramebufferUpdate
  expect(update.readUInt16BE(2)).toBeGreaterThan(0);
  const rectangle = await read(12);
  expect(rectangle.readUInt16BE(4)).toBeGreaterThan(0);
  expect(rectangle.readInt32BE(8)).toBe(0); // Raw: no other encoding was offered
  await stream.close();
}

describe('console streams', () => {
  it('open a running guest’s VNC with its one-time password: ServerInit and a framebuffer update follow', async () => {
    const connector = live.connect();
    expect(connector.capabilities.consoleStream).toEqual(['vnc']);
    const guest = await live.createTinyGuest(connector, { node: one.name, start: true });
    const stream = await connector.openConsoleStream(guest.id, { protocol: 'vnc' });
    expect(stream).toMatchObject({ protocol: 'vnc', rfbVersion: '3.8' });
    await expectDesktop(stream);
  });

  it('open a display without a password only when the target allows it, and refuse a stopped guest', async () => {
    const name = uniqueName('streamnopw');
    const tiny = await defineTinyGuest(lab, one, name);
    try {
      await expect(live.connect().openConsoleStream(tiny.uuid, { protocol: 'vnc' })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      await virsh(one.unixUri, ['start', name]);
      await expect(live.connect().openConsoleStream(tiny.uuid, { protocol: 'vnc' })).rejects.toMatchObject({
        code: 'CONFLICT',
        details: { reason: 'vnc-without-password' },
      });
      const allowing = live.connect({ console: { vncWithoutPassword: 'allow' } });
      await expectDesktop(await allowing.openConsoleStream(tiny.uuid, { protocol: 'vnc' }));
    } finally {
      await deleteTinyGuest(lab, one, name);
    }
  });
});
