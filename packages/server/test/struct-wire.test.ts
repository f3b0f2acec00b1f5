import { create, fromBinary, type JsonObject, toBinary } from '@bufbuild/protobuf';
import { GuestSchema } from '@hvc/client/v1';
import { describe, expect, it } from 'vitest';
import { guestToProto } from '../src/wire/proto-mapping.js';
import { structFieldPayload } from '../src/wire/struct-wire.js';

const SAMPLES: Record<string, JsonObject> = {
  empty: {},
  scalars: { a: 1, b: -2.5, c: 0, d: 'text', e: '', f: true, g: false, h: null, big: 2 ** 53, tiny: 1e-300 },
  unicode: { clé: 'vérité', emoji: '🖥️ vm', cjk: '虚拟机' },
  nested: { a: { b: { c: [1, 'two', { three: [null, true, []] }] } }, list: [[], [[]], {}] },
  long: { text: 'x'.repeat(70_000), many: Array.from({ length: 300 }, (_, i) => ({ i, name: `n${i}` })) },
  pve: {
    vmid: 100,
    name: 'web-1',
    status: 'running',
    cpu: 0.0123,
    maxmem: 4294967296,
    net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1',
    tags: 'a;b',
    ha: { managed: 0 },
  },
};

describe('the Struct encoder', () => {
  it.each(Object.entries(SAMPLES))('writes the bytes the generic encoder writes (%s)', (_name, value) => {
    const generic = toBinary(GuestSchema, create(GuestSchema, { raw: value }));
    const fast = toBinary(GuestSchema, create(GuestSchema, {}));
    const payload = structFieldPayload(value);
    expect(Buffer.concat([fast, Buffer.from([(13 << 3) | 2]), payload])).toEqual(Buffer.from(generic));
    expect(fromBinary(GuestSchema, generic).raw).toEqual(value);
  });

  it('gives a guest the same wire form with either mapping', () => {
    const guest = {
      id: 'qemu/100',
      type: 'vm' as const,
      name: 'web-1',
      node: 'pve1',
      state: 'running' as const,
      template: false,
      tags: ['a'],
      resources: { cpus: 2, memoryBytes: 2 ** 31 },
      usage: { cpu: 0.5, uptimeSeconds: 60 },
      raw: SAMPLES.pve as Record<string, unknown>,
    };
    const generic = fromBinary(
      GuestSchema,
      toBinary(GuestSchema, create(GuestSchema, guestToProto(guest, 'lab'))),
    );
    const binary = guestToProto(guest, 'lab', { binary: true });
    const fast = fromBinary(GuestSchema, toBinary(GuestSchema, create(GuestSchema, binary)));
    expect(fast).toEqual(generic);
    expect(fast.raw).toEqual(SAMPLES.pve);
  });
});
