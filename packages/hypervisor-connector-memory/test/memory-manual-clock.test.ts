import { createManualClock } from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

describe('createManualClock', () => {
  it('starts at the given time and only moves when advanced', async () => {
    const clock = createManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
    expect(createManualClock().now()).toBe(Date.UTC(2025, 0, 1));
  });

  it('fires due timers in order of due time, each at its own time', async () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    await clock.advance(20);
    expect(fired).toEqual(['a@10', 'b@20']);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(10);
    expect(fired).toEqual(['a@10', 'b@20', 'c@30']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires timers scheduled by timers when they fall due within the same advance', async () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    await clock.advance(10);
    expect(fired).toEqual([5, 10]);
  });

  it('lets promise reactions of a timer run before advance resolves', async () => {
    const clock = createManualClock(0);
    let seen = false;
    const waited = new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
    void waited
      .then(() => Promise.resolve())
      .then(() => {
        seen = true;
      });
    await clock.advance(5);
    expect(seen).toBe(true);
  });

  it('does not fire cleared timers', async () => {
    const clock = createManualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 5);
    clock.clearTimeout(handle);
    clock.clearTimeout('not a handle');
    await clock.advance(10);
    expect(fired).toBe(false);
  });

  it('runAll runs until no timer is left and stops a runaway chain', async () => {
    const clock = createManualClock(0);
    let count = 0;
    clock.setTimeout(() => count++, 1_000);
    clock.setTimeout(() => count++, 5_000);
    await clock.runAll();
    expect(count).toBe(2);
    expect(clock.now()).toBe(5_000);

    const forever = () => clock.setTimeout(forever, 1);
    forever();
    await expect(clock.runAll(50)).rejects.toThrow(/50 timers/);
  });

  it('refuses to go backwards', async () => {
    await expect(createManualClock().advance(-1)).rejects.toThrow(RangeError);
  });
});
