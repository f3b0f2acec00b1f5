import type { Clock } from './clock.js';

/** A {@link Clock} that only moves when told to, so tests of timing need no sleeps. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way in order of due time (timers made by
   * those timers included). Lets pending promise reactions run after each timer, so awaiting `advance` sees
   * their effects.
   */
  advance(ms: number): Promise<void>;
  /** Advances until no timer is left. Throws when timers keep scheduling new ones (more than `maxTimers`). */
  runAll(maxTimers?: number): Promise<void>;
  /** How many timers are scheduled and not yet fired. */
  pendingTimers(): number;
}

interface ManualTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
}

/**
 * Creates a {@link ManualClock} whose time starts at `startMs` (default 2025-01-01T00:00:00Z).
 *
 * @example
 * const clock = createManualClock();
 * const delay = abortableDelay(1_000, undefined, clock);
 * await clock.advance(1_000); // `delay` has now resolved, without a real second passing
 */
export function createManualClock(startMs = Date.UTC(2025, 0, 1)): ManualClock {
  let now = startMs;
  let nextId = 1;
  const timers = new Map<number, ManualTimer>();

  const nextDue = (limitMs: number): ManualTimer | undefined => {
    let next: ManualTimer | undefined;
    for (const timer of timers.values()) {
      if (timer.dueMs > limitMs) continue;
      if (
        next === undefined ||
        timer.dueMs < next.dueMs ||
        (timer.dueMs === next.dueMs && timer.id < next.id)
      ) {
        next = timer;
      }
    }
    return next;
  };

  const fire = async (timer: ManualTimer) => {
    timers.delete(timer.id);
    now = Math.max(now, timer.dueMs);
    timer.fn();
    await settle();
  };

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { id, dueMs: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      if (typeof handle === 'number') timers.delete(handle);
    },
    async advance(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError('advance takes a finite, non-negative duration');
      const target = now + ms;
      await settle();
      for (let timer = nextDue(target); timer; timer = nextDue(target)) await fire(timer);
      now = target;
      await settle();
    },
    async runAll(maxTimers = 10_000) {
      await settle();
      for (let fired = 0; timers.size > 0; fired++) {
        if (fired >= maxTimers)
          throw new Error(`runAll stopped after ${maxTimers} timers: timers keep scheduling timers`);
        const timer = nextDue(Number.POSITIVE_INFINITY);
        if (timer) await fire(timer);
      }
    },
    pendingTimers: () => timers.size,
  };
}

/** Lets every pending promise reaction run: one macrotask turn drains the microtask queue. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
