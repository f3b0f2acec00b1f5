import { createMemoryConnector } from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

/** Reads exactly `length` bytes at a time from a web stream. */
function byteReader(readable: ReadableStream<Uint8Array>) {
  const reader = readable.getReader();
  let pending = Buffer.alloc(0);
  return async (length: number): Promise<Buffer> => {
    while (pending.length < length) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the console ended');
      pending = Buffer.concat([pending, value]);
    }
    const out = pending.subarray(0, length);
    pending = pending.subarray(length);
    return out;
  };
}

const connector = () =>
  createMemoryConnector({
    guests: [
      { type: 'vm', name: 'vm-1', state: 'running' },
      { type: 'vm', name: 'vm-2' },
    ],
  });

describe('openConsoleStream', () => {
  it('is on by default for vnc and can be turned off', () => {
    expect(connector().capabilities.consoleStream).toEqual(['vnc']);
    expect(createMemoryConnector({ capabilities: { consoleStream: [] } }).capabilities.consoleStream).toEqual(
      [],
    );
    expect(() => createMemoryConnector({ capabilities: { consoleStream: ['spice'] } as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('answers RFB after SecurityResult: ServerInit with the guest’s name, then a framebuffer update', async () => {
    const stream = await connector().openConsoleStream('vm/100', { protocol: 'vnc' });
    expect(stream).toMatchObject({ protocol: 'vnc', rfbVersion: '3.8' });
    const writer = stream.writable.getWriter();
    const read = byteReader(stream.readable);
    await writer.write(Uint8Array.of(1));
    const init = await read(24);
    expect([init.readUInt16BE(0), init.readUInt16BE(2), init[4]]).toEqual([4, 3, 32]);
    expect((await read(init.readUInt32BE(20))).toString()).toBe('vm-1');
    await writer.write(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 4, 0, 3));
    const update = await read(16);
    expect([update[0], update.readUInt16BE(2), update.readUInt16BE(8), update.readUInt16BE(10)]).toEqual([
      0, 1, 4, 3,
    ]);
    expect((await read(4 * 3 * 4)).every((b) => b === 0)).toBe(true);
    await stream.close();
    await expect(read(1)).rejects.toThrow();
  });

  it('is CONFLICT for a stopped guest, NOT_FOUND for an unknown one, UNSUPPORTED when turned off', async () => {
    await expect(connector().openConsoleStream('vm/101', { protocol: 'vnc' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(connector().openConsoleStream('vm/404', { protocol: 'vnc' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const off = createMemoryConnector({
      guests: [{ type: 'vm', name: 'vm-1', state: 'running' }],
      capabilities: { consoleStream: [] },
    });
    await expect(off.openConsoleStream('vm/100', { protocol: 'vnc' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'consoleStream.vnc',
    });
  });
});
