/** E35 of the checklist, at the unit level: the service-token comparison only ever compares equal-length digests. */
import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { AuthFailure } from '../../src/authn/auth-failure.js';
import { createServiceTokenVerifier } from '../../src/authn/service-token-verifier.js';
import type { ServiceTokenStore } from '../../src/storage/service-token-store.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

describe('service token comparison', () => {
  it('E35 calls timingSafeEqual only on two 32-byte digests, for every stored token, whatever was presented', async () => {
    const real = `hvc_svc_${'a'.repeat(40)}`;
    const tokens = [
      { id: 'one', organizationId: 'acme', role: 'viewer', tokenSha256: sha256(real) },
      { id: 'two', organizationId: 'acme', role: 'admin', tokenSha256: sha256(`hvc_svc_${'b'.repeat(40)}`) },
    ];
    const store = { listEnabled: async () => tokens } as unknown as ServiceTokenStore;
    const verifier = createServiceTokenVerifier(store);
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const presented = [
      real,
      `${real.slice(0, -1)}b`,
      'hvc_svc_',
      `hvc_svc_${'x'.repeat(10_000)}`,
      real.slice(0, 9),
    ];
    for (const token of presented) {
      await verifier.verify(token).catch((error: unknown) => expect(error).toBeInstanceOf(AuthFailure));
    }
    expect(spy).toHaveBeenCalledTimes(presented.length * tokens.length);
    for (const [left, right] of spy.mock.calls) {
      expect((left as Buffer).length).toBe(32);
      expect((right as Buffer).length).toBe(32);
    }
    expect(await verifier.verify(real)).toMatchObject({ kind: 'service', tokenId: 'one' });
  });
});
