import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKey, isIdempotentReplay } from '../src/index.js';

describe('idempotencyKey', () => {
  it('adds the key header to the call options, keeping what they had', () => {
    const signal = new AbortController().signal;
    const options = idempotencyKey('7d0f8a4e-1', {
      headers: { authorization: 'Bearer t' },
      signal,
      timeoutMs: 5,
    });
    const headers = new Headers(options.headers);
    expect(headers.get(IDEMPOTENCY_KEY_HEADER)).toBe('7d0f8a4e-1');
    expect(headers.get('authorization')).toBe('Bearer t');
    expect(options.signal).toBe(signal);
    expect(options.timeoutMs).toBe(5);
  });

  it('refuses what the server would refuse, without quoting the key', () => {
    for (const bad of ['', 'with space', 'x'.repeat(129), 'naïve', 'a\nb']) {
      expect(() => idempotencyKey(bad)).toThrow(RangeError);
    }
    expect(() => idempotencyKey('secret value')).toThrow(
      'an idempotency key is 1 to 128 printable ASCII characters without spaces',
    );
    expect(() => idempotencyKey('~'.repeat(128))).not.toThrow();
  });

  it('tells a replayed answer by its header', () => {
    expect(isIdempotentReplay(new Headers({ 'hvc-idempotent-replay': 'true' }))).toBe(true);
    expect(isIdempotentReplay(new Headers())).toBe(false);
  });
});
