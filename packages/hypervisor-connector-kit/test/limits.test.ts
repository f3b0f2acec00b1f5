import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, SingleFlight } from '../src/index.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const tasks = [0, 1, 2, 3].map((n) =>
      limiter.run(
        () =>
          new Promise<number>((resolve) => {
            started.push(n);
            releases.push(() => resolve(n));
          }),
      ),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.queued]).toEqual([2, 2]);
    releases[1]!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    releases[0]!();
    releases[2]!();
    await tick();
    releases[3]!();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('frees the slot when a task throws', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.active).toBe(0);
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('takes a free slot without waiting a turn', async () => {
    const limiter = new ConcurrencyLimiter(1);
    let ran = false;
    void limiter.run(async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('drops a waiting call whose signal fires, with CANCELLED', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    expect(limiter.queued).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(limiter.queued).toBe(0);
    release();
    release(); // a second release changes nothing
    expect(limiter.active).toBe(0);
    await expect(limiter.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('refuses with UNAVAILABLE (retryable) once the queue is full', async () => {
    const limiter = new ConcurrencyLimiter(1, { maxQueued: 1, target: 'lab' });
    await limiter.acquire();
    void limiter.acquire();
    await expect(limiter.acquire()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      target: 'lab',
      details: { reason: 'queue-full', running: 1, queued: 1 },
    });
  });
});

describe('SingleFlight', () => {
  it('shares one run between concurrent callers of a key, and runs again afterwards', async () => {
    const flights = new SingleFlight<string, number>();
    let runs = 0;
    let finish: (value: number) => void = () => {};
    const work = () =>
      new Promise<number>((resolve) => {
        runs++;
        finish = resolve;
      });
    const a = flights.run('k', work);
    const b = flights.run('k', work);
    await tick();
    finish(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(runs).toBe(1);
    const c = flights.run('k', work);
    await tick();
    finish(8);
    expect(await c).toBe(8);
    expect(runs).toBe(2);
  });

  it('lets one caller give up without stopping the work; aborts it when all have', async () => {
    const flights = new SingleFlight<string, string>();
    let workSignal: AbortSignal | undefined;
    let finish: (value: string) => void = () => {};
    const work = (signal: AbortSignal) =>
      new Promise<string>((resolve) => {
        workSignal = signal;
        finish = resolve;
      });
    const first = new AbortController();
    const second = new AbortController();
    const a = flights.run('k', work, first.signal);
    const b = flights.run('k', work, second.signal);
    await tick();
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(workSignal?.aborted).toBe(false);
    second.abort();
    await expect(b).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(workSignal?.aborted).toBe(true);
    finish('late');
  });
});
