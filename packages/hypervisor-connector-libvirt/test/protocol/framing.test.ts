import { describe, expect, it } from 'vitest';
import { FrameDecoder, MIN_FRAME_LENGTH } from '../../src/rpc/frame-decoder.js';
import { decodePacket, encodePacket } from '../../src/rpc/packet.js';
import { LibvirtProtocolError } from '../../src/rpc/protocol-error.js';

const frame = (proc: number, payload: number[]): Buffer =>
  Buffer.from(
    encodePacket(
      { prog: 0x20008086, vers: 1, proc, type: 1, serial: 7, status: 0 },
      (w) => w.writeRaw(new Uint8Array(payload)),
      1024,
    ),
  );

describe('packets', () => {
  it('encode the length word (counting itself) and the six header words', () => {
    expect(frame(4, [0xaa, 0xbb, 0xcc, 0xdd]).toString('hex')).toBe(
      '00000020' + '20008086' + '00000001' + '00000004' + '00000001' + '00000007' + '00000000' + 'aabbccdd',
    );
  });

  it('decode header and payload', () => {
    const packet = decodePacket(frame(4, [1, 2, 3, 4]).subarray(4));
    expect(packet.header).toEqual({ prog: 0x20008086, vers: 1, proc: 4, type: 1, serial: 7, status: 0 });
    expect([...packet.payload]).toEqual([1, 2, 3, 4]);
  });

  it('reject a header with an unknown message type', () => {
    const bytes = frame(4, []);
    bytes.writeUInt32BE(9, 16);
    expect(() => decodePacket(bytes.subarray(4))).toThrow(LibvirtProtocolError);
  });
});

describe('frame decoder', () => {
  it('reassembles frames split anywhere, one byte at a time', () => {
    const decoder = new FrameDecoder(1024);
    const bytes = Buffer.concat([frame(1, [1, 2, 3, 4]), frame(2, [])]);
    const frames: Buffer[] = [];
    for (const byte of bytes) frames.push(...decoder.push(Buffer.from([byte])));
    expect(frames.map((f) => decodePacket(f).header.proc)).toEqual([1, 2]);
    expect(decoder.buffered).toBe(0);
  });

  it('returns every frame of one chunk', () => {
    const decoder = new FrameDecoder(1024);
    const frames = decoder.push(
      Buffer.concat([frame(1, []), frame(2, []), frame(3, [9, 9, 9, 9]).subarray(0, 10)]),
    );
    expect(frames).toHaveLength(2);
    // The third frame's length word has been read; its first 6 bytes wait for the rest.
    expect(decoder.buffered).toBe(6);
  });

  it('refuses a length above the maximum before buffering for it', () => {
    const decoder = new FrameDecoder(1024);
    expect(() => decoder.push(Buffer.from('00000401', 'hex'))).toThrow(
      /frame length 1025 is outside 28\.\.1024/,
    );
    expect(decoder.buffered).toBe(0);
  });

  it('refuses a length below the header size', () => {
    expect(() => new FrameDecoder(1024).push(Buffer.from('0000001b', 'hex'))).toThrow(LibvirtProtocolError);
    expect(MIN_FRAME_LENGTH).toBe(28);
  });

  it('refuses garbage such as an HTTP answer on the port', () => {
    expect(() =>
      new FrameDecoder(32 * 1024 * 1024 + 4).push(Buffer.from('HTTP/1.1 400 Bad Request\r\n')),
    ).toThrow(/the peer does not speak the libvirt protocol/);
  });

  it('holds no more than the announced frame while it is incomplete', () => {
    const decoder = new FrameDecoder(1 << 20);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1 << 20);
    expect(decoder.push(Buffer.concat([header, Buffer.alloc(1000)]))).toEqual([]);
    expect(decoder.buffered).toBe(1000);
  });
});
