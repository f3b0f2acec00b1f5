import type { Guest } from '@hvc/hypervisor-connector';
import { ConflictError, UnavailableError } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { backoffDelay, createManualClock, matchesGuestFilter, retry } from '../src/index.js';

describe('backoffDelay', () => {
  it('grows by the factor up to the cap', () => {
    const policy = { initialMs: 200, factor: 2, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt))).toEqual([
      200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('keeps jitter within its share both ways', () => {
    const policy = { initialMs: 1_000, factor: 1, maxMs: 1_000, jitter: 0.25 };
    expect(backoffDelay(policy, 1, () => 0)).toBe(750);
    expect(backoffDelay(policy, 1, () => 0.999_999)).toBe(1_250);
  });
});

describe('retry', () => {
  const policy = { initialMs: 100, factor: 2, maxMs: 1_000 };

  it('retries transient errors with backoff until one attempt succeeds', async () => {
    const clock = createManualClock();
    const seen: number[] = [];
    const delays: number[] = [];
    const result = retry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new UnavailableError('down');
        return 'ok';
      },
      { attempts: 5, backoff: policy, clock, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    await clock.advance(100);
    await clock.advance(200);
    expect(await result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(delays).toEqual([100, 200]);
  });

  it('gives up after the attempts, and never retries what is not transient', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new UnavailableError('down');
        },
        { attempts: 2, backoff: { ...policy, initialMs: 1 } },
      ),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(calls).toBe(2);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new ConflictError('locked', { retryable: true });
        },
        { attempts: 5, backoff: policy },
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(calls).toBe(1);
  });

  it('stops the pause with CANCELLED when the signal fires', async () => {
    const controller = new AbortController();
    const result = retry(
      async () => {
        throw new UnavailableError('down');
      },
      { attempts: 3, backoff: { initialMs: 60_000, factor: 1, maxMs: 60_000 }, signal: controller.signal },
    );
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('matchesGuestFilter', () => {
  const guest: Pick<Guest, 'type' | 'node' | 'state' | 'pool' | 'name' | 'template' | 'tags'> = {
    type: 'vm',
    node: 'n1',
    state: 'running',
    pool: 'prod',
    name: 'web-1',
    template: false,
    tags: ['web', 'eu'],
  };

  it('passes a guest that matches every present field', () => {
    expect(matchesGuestFilter(guest, {})).toBe(true);
    expect(
      matchesGuestFilter(guest, {
        type: 'vm',
        node: 'n1',
        state: 'running',
        pool: 'prod',
        namePrefix: 'web',
        tags: ['eu'],
        templates: false,
      }),
    ).toBe(true);
  });

  it('drops a guest that misses any one field', () => {
    expect(matchesGuestFilter(guest, { type: 'container' })).toBe(false);
    expect(matchesGuestFilter(guest, { node: 'n2' })).toBe(false);
    expect(matchesGuestFilter(guest, { state: 'stopped' })).toBe(false);
    expect(matchesGuestFilter(guest, { pool: 'dev' })).toBe(false);
    expect(matchesGuestFilter(guest, { namePrefix: 'db' })).toBe(false);
    expect(matchesGuestFilter(guest, { tags: ['web', 'us'] })).toBe(false);
    expect(matchesGuestFilter({ ...guest, template: true }, { templates: false })).toBe(false);
  });
});
