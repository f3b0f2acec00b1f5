import { describe, expect, it } from 'vitest';
import {
  RemoteConnectOpenArgsCodec,
  RemoteNonnullDomainCodec,
  RemoteTypedParamValueCodec,
} from '../../src/protocol/generated/remote-protocol.gen.js';
import { XdrError } from '../../src/protocol/xdr/xdr-error.js';
import { XdrReader } from '../../src/protocol/xdr/xdr-reader.js';
import { XdrWriter } from '../../src/protocol/xdr/xdr-writer.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

describe('XDR writer', () => {
  it('writes big-endian words, hypers and doubles', () => {
    const w = new XdrWriter();
    w.writeInt(-2);
    w.writeUint(0x20008086);
    w.writeHyper(-1n);
    w.writeUhyper(2n ** 64n - 1n);
    w.writeDouble(1.5);
    w.writeBool(true);
    w.writeFloat(-2);
    expect(hex(w.toBytes())).toBe(
      'fffffffe' +
        '20008086' +
        'ffffffffffffffff' +
        'ffffffffffffffff' +
        '3ff8000000000000' +
        '00000001' +
        'c0000000',
    );
    const r = new XdrReader(w.toBytes());
    expect([
      r.readInt(),
      r.readUint(),
      r.readHyper(),
      r.readUhyper(),
      r.readDouble(),
      r.readBool(),
      r.readFloat(),
    ]).toEqual([-2, 0x20008086, -1n, 2n ** 64n - 1n, 1.5, true, -2]);
  });

  it('pads strings and opaque data to four bytes with zeros, strings as UTF-8', () => {
    const w = new XdrWriter();
    w.writeString('abcde', 10);
    w.writeString('é', 10);
    w.writeVarOpaque(new Uint8Array([1, 2, 3]), 3);
    w.writeFixedOpaque(new Uint8Array([9, 8]), 2);
    expect(hex(w.toBytes())).toBe(
      '00000005' + '6162636465000000' + '00000002' + 'c3a90000' + '00000003' + '01020300' + '09080000',
    );
  });

  it('rejects values outside their bounds and types', () => {
    const w = new XdrWriter();
    expect(() => w.writeString('abcde', 4)).toThrow(/5 bytes exceeds its bound of 4/);
    expect(() => w.writeString('éé', 3)).toThrow(XdrError);
    expect(() => w.writeInt(2 ** 31)).toThrow(/32-bit signed/);
    expect(() => w.writeUint(-1)).toThrow(/32-bit unsigned/);
    expect(() => w.writeInt(1.5)).toThrow(XdrError);
    expect(() => w.writeUhyper(-1n)).toThrow(/64-bit unsigned/);
    expect(() => w.writeHyper(2n ** 63n)).toThrow(/64-bit signed/);
    expect(() => w.writeFixedOpaque(new Uint8Array(15), 16)).toThrow(/exactly 16 bytes/);
    expect(() => w.writeArray([1, 2, 3], 2, (x, v) => x.writeInt(v))).toThrow(
      /3 items exceeds its bound of 2/,
    );
    expect(() => w.writeFixedArray([1], 2, (x, v) => x.writeInt(v))).toThrow(/exactly 2 items/);
    expect(w.length).toBe(0);
  });

  it('refuses to grow past its message limit', () => {
    const w = new XdrWriter(12);
    w.writeInt(1);
    expect(() => w.writeString('too long', 100)).toThrow(/exceeds the limit of 12/);
  });

  it('grows for raw payloads larger than its buffer', () => {
    const w = new XdrWriter(Number.POSITIVE_INFINITY, 8);
    w.writeInt(1);
    w.writeRaw(new Uint8Array(1000).fill(7));
    expect(w.length).toBe(1004);
    expect(w.toBytes()[1003]).toBe(7);
  });

  it('grows when a number lands just past a full buffer', () => {
    // A string that fills the buffer exactly, then a word of each kind: each write must go to the new buffer.
    const w = new XdrWriter(Number.POSITIVE_INFINITY, 8);
    w.writeString('abcd', 4);
    w.writeUint(0xdeadbeef);
    w.writeInt(-2);
    w.writeUhyper(3n);
    w.writeHyper(-4n);
    w.writeFloat(0.5);
    w.writeDouble(0.25);
    expect(hex(w.toBytes())).toBe(
      '0000000461626364deadbeeffffffffe0000000000000003fffffffffffffffc3f0000003fd0000000000000',
    );
  });

  it('patches a word written earlier (the frame length)', () => {
    const w = new XdrWriter();
    w.writeUint(0);
    w.writeInt(7);
    w.patchUint(0, w.length);
    expect(hex(w.toBytes())).toBe('0000000800000007');
    expect(() => w.patchUint(8, 1)).toThrow(RangeError);
  });
});

describe('XDR reader', () => {
  it('reads what the writer wrote', () => {
    const r = new XdrReader(
      bytes('fffffffe 20008086 ffffffffffffffff 3ff8000000000000 00000000 00000005 6162636465000000'),
    );
    expect(r.readInt()).toBe(-2);
    expect(r.readUint()).toBe(0x20008086);
    expect(r.readHyper()).toBe(-1n);
    expect(r.readDouble()).toBe(1.5);
    expect(r.readBool()).toBe(false);
    expect(r.readString(5)).toBe('abcde');
    r.assertEnd('test');
  });

  it('rejects a length over its bound before reading or allocating', () => {
    expect(() => new XdrReader(bytes('00000005 6162636465000000')).readString(4)).toThrow(
      /string of 5 bytes exceeds its bound of 4/,
    );
    // A count of 2^32-1 items with nothing behind it: refused on the count, no array is built.
    expect(() => new XdrReader(bytes('ffffffff')).readArray(0xffffffff, (r) => r.readInt())).toThrow(
      /truncated array/,
    );
    expect(() => new XdrReader(bytes('00000003')).readArray(2, (r) => r.readInt())).toThrow(
      /3 items exceeds its bound of 2/,
    );
    expect(() => new XdrReader(bytes('7fffffff 00')).readVarOpaque(0xffffffff)).toThrow(/truncated opaque/);
  });

  it('rejects truncated input, bad booleans, unknown enum values and trailing bytes', () => {
    expect(() => new XdrReader(bytes('0000')).readInt()).toThrow(/truncated int/);
    expect(() => new XdrReader(bytes('00000002')).readBool()).toThrow(/bool must be 0 or 1/);
    expect(() => new XdrReader(bytes('00000009')).readEnum(new Set([0, 1]), 'x')).toThrow(
      /not a value of enum x/,
    );
    const r = new XdrReader(bytes('00000001 00000002'));
    r.readInt();
    expect(() => r.assertEnd('reply')).toThrow(/4 unexpected trailing bytes after reply/);
  });

  it('decodes invalid UTF-8 leniently', () => {
    expect(new XdrReader(bytes('00000001 ff000000')).readString(4)).toBe('\uFFFD');
  });
});

describe('generated codecs', () => {
  const uuid = bytes('00112233445566778899aabbccddeeff');

  it('encode remote_nonnull_domain as libvirt does', () => {
    const w = new XdrWriter();
    RemoteNonnullDomainCodec.encode(w, { name: 'vm1', uuid, id: -1 });
    expect(hex(w.toBytes())).toBe('00000003' + '766d3100' + '00112233445566778899aabbccddeeff' + 'ffffffff');
    const r = new XdrReader(w.toBytes());
    expect(RemoteNonnullDomainCodec.decode(r)).toEqual({ name: 'vm1', uuid, id: -1 });
    r.assertEnd('domain');
  });

  it('encode optional strings as a presence word then the value', () => {
    const w = new XdrWriter();
    RemoteConnectOpenArgsCodec.encode(w, { name: 'qemu:///system', flags: 1 });
    RemoteConnectOpenArgsCodec.encode(w, { name: null, flags: 0 });
    expect(hex(w.toBytes())).toBe(
      '00000001' +
        '0000000e' +
        Buffer.from('qemu:///system\0\0').toString('hex') +
        '00000001' +
        '00000000' +
        '00000000',
    );
  });

  it('encode and decode unions by their discriminant, refusing unknown ones', () => {
    const w = new XdrWriter();
    RemoteTypedParamValueCodec.encode(w, { type: 4, ul: 5n });
    RemoteTypedParamValueCodec.encode(w, { type: 7, s: 'x' });
    expect(hex(w.toBytes())).toBe('00000004' + '0000000000000005' + '00000007' + '00000001' + '78000000');
    const r = new XdrReader(w.toBytes());
    expect(RemoteTypedParamValueCodec.decode(r)).toEqual({ type: 4, ul: 5n });
    expect(RemoteTypedParamValueCodec.decode(r)).toEqual({ type: 7, s: 'x' });
    expect(() => RemoteTypedParamValueCodec.decode(new XdrReader(bytes('00000009')))).toThrow(
      /9 is not a case of union remote_typed_param_value/,
    );
  });
});
