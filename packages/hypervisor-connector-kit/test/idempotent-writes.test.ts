import { type HypervisorConnector, isHypervisorError, UnavailableError } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { defineConnector, IdempotentWrites } from '../src/index.js';
import { recording } from './support/recording-implementation.js';

const SPEC = { type: 'vm', name: 'web-1' } as const;

/** A connector over the recording implementation, and how many creates reached it. */
function setup(): { connector: HypervisorConnector; creates: () => number } {
  const lab = recording();
  const connector = defineConnector(lab.implementation);
  return { connector, creates: () => lab.calls.filter((c) => c.startsWith('createGuest')).length };
}

describe('idempotency keys on writes', () => {
  it('runs a write once per key and request, also while the first call still runs', async () => {
    const { connector, creates } = setup();
    const [first, second] = await Promise.all([
      connector.createGuest(SPEC, { idempotencyKey: 'k-1' }),
      connector.createGuest({ name: 'web-1', type: 'vm' }, { idempotencyKey: 'k-1' }),
    ]);
    expect(second).toBe(first);
    expect(creates()).toBe(1);
    await connector.createGuest(SPEC, { idempotencyKey: 'k-2' });
    await connector.createGuest(SPEC);
    expect(creates()).toBe(3);
  });

  it('refuses the key with another request or another method, writing nothing', async () => {
    const { connector, creates } = setup();
    await connector.createGuest(SPEC, { idempotencyKey: 'k-1' });
    const other = await connector
      .createGuest({ ...SPEC, name: 'web-2' }, { idempotencyKey: 'k-1' })
      .catch((e) => e);
    expect(other).toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      details: { reason: 'IDEMPOTENCY_KEY_REUSED' },
    });
    const start = await connector.startGuest('vm/100', { idempotencyKey: 'k-1' }).catch((e) => e);
    expect(start).toMatchObject({ code: 'CONFLICT', details: { reason: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(creates()).toBe(1);
  });

  it('refuses a malformed key by name, and reads ignore keys', async () => {
    const { connector } = setup();
    const error = await connector.createGuest(SPEC, { idempotencyKey: 'has space' }).catch((e) => e);
    expect(isHypervisorError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.violations).toEqual([{ field: 'idempotencyKey', message: expect.any(String) }]);
    await expect(connector.listGuests({}, { idempotencyKey: 'has space' } as never)).resolves.toBeDefined();
  });

  it('frees a key whose call never reached the hypervisor, and keeps one that may have been applied', async () => {
    const writes = new IdempotentWrites();
    let runs = 0;
    const notSent = () => {
      runs += 1;
      return Promise.reject(new UnavailableError('no route'));
    };
    await expect(writes.run('k', 'r', notSent)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(writes.run('k', 'r', notSent)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(runs).toBe(2);
    const maybe = () => {
      runs += 1;
      return Promise.reject(new UnavailableError('reset mid-call', { mayHaveBeenApplied: true }));
    };
    await expect(writes.run('m', 'r', maybe)).rejects.toMatchObject({ mayHaveBeenApplied: true });
    await expect(writes.run('m', 'r', maybe)).rejects.toMatchObject({ mayHaveBeenApplied: true });
    expect(runs).toBe(3);
  });

  it('forgets keys after their time and past its limit', async () => {
    let now = 0;
    const writes = new IdempotentWrites({ ttlMs: 1_000, limit: 2, now: () => now });
    let runs = 0;
    const write = async () => ++runs;
    await writes.run('a', 'r', write);
    now = 999;
    expect(await writes.run('a', 'r', write)).toBe(1);
    now = 1_000;
    expect(await writes.run('a', 'r', write)).toBe(2);
    await writes.run('b', 'r', write);
    await writes.run('c', 'r', write);
    expect(writes.size).toBe(2);
    expect(await writes.run('a', 'r', write)).toBe(5);
  });
});
