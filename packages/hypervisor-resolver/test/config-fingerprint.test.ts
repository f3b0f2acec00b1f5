import { describe, expect, it } from 'vitest';
import { ConfigFingerprinter } from '../src/config-fingerprint.js';

describe('config fingerprints', () => {
  const fingerprinter = new ConfigFingerprinter();
  const fp = (value: unknown) => fingerprinter.fingerprint(value);

  it('ignores key order and undefined fields, and sees every value change', () => {
    expect(fp({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(fp({ b: { d: 'x', c: [1, 2] }, a: 1, e: undefined }));
    expect(fp({ a: 1 })).not.toBe(fp({ a: 2 }));
    expect(fp({ a: [1, 2] })).not.toBe(fp({ a: [2, 1] }));
    expect(fp({ a: '1' })).not.toBe(fp({ a: 1 }));
    expect(fp({ a: null })).not.toBe(fp({}));
    expect(fp({ secret: 'one' })).not.toBe(fp({ secret: 'two' }));
    expect(fp({ n: Number.NaN })).toBe(fp({ n: Number.NaN }));
    expect(fp({ n: 1n })).not.toBe(fp({ n: 1 }));
  });

  it('spells out dates, bytes, URLs, maps and sets by content', () => {
    expect(fp({ d: new Date(0) })).toBe(fp({ d: new Date(0) }));
    expect(fp({ d: new Date(0) })).not.toBe(fp({ d: new Date(1) }));
    expect(fp({ ca: Buffer.from('pem') })).toBe(fp({ ca: new Uint8Array(Buffer.from('pem')) }));
    expect(fp({ u: new URL('https://a.example') })).toBe(fp({ u: new URL('https://a.example/') }));
    expect(
      fp(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).toBe(
      fp(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    );
    expect(fp(new Set([1, 2]))).toBe(fp(new Set([2, 1])));
  });

  it('compares functions and class instances by identity', () => {
    class Clock {
      now() {
        return 0;
      }
    }
    const clock = new Clock();
    const hook = () => undefined;
    expect(fp({ clock, hook })).toBe(fp({ hook, clock }));
    expect(fp({ clock })).not.toBe(fp({ clock: new Clock() }));
    expect(fp({ hook })).not.toBe(fp({ hook: () => undefined }));
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(fp(a)).toBe(fp(a));
  });

  it('is keyed per fingerprinter, so a fingerprint reveals nothing outside it', () => {
    const other = new ConfigFingerprinter();
    expect(other.fingerprint({ password: 'pw' })).not.toBe(fp({ password: 'pw' }));
    expect(fp({ password: 'pw' })).toMatch(/^[0-9a-f]{32}$/);
  });
});
