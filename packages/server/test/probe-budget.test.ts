import { Code, ConnectError } from '@connectrpc/connect';
import { type Clock, systemClock } from '@hvc/hypervisor-connector-kit';
import { describe, expect, it } from 'vitest';
import { ProbeBudget } from '../src/rpc/probe-budget.js';

/** A clock set by hand, forwards or back, as a system clock can be stepped. */
function settableClock(startMs: number): Clock & { ms: number } {
  const clock = { ...systemClock, ms: startMs, now: () => clock.ms };
  return clock;
}

function outcome(budget: ProbeBudget, organizationId: string): 'ok' | Code {
  try {
    budget.spend(organizationId);
    return 'ok';
  } catch (error) {
    if (error instanceof ConnectError) return error.code;
    throw error;
  }
}

describe('ProbeBudget', () => {
  it('refills on its clock, one probe per 60 s / perMinute, and per organisation', () => {
    const clock = settableClock(Date.UTC(2025, 0, 1));
    const budget = new ProbeBudget(2, clock);
    expect([outcome(budget, 'acme'), outcome(budget, 'acme'), outcome(budget, 'acme')]).toEqual([
      'ok',
      'ok',
      Code.ResourceExhausted,
    ]);
    expect(outcome(budget, 'globex')).toBe('ok');
    clock.ms += 29_999;
    expect(outcome(budget, 'acme')).toBe(Code.ResourceExhausted);
    clock.ms += 1;
    expect([outcome(budget, 'acme'), outcome(budget, 'acme')]).toEqual(['ok', Code.ResourceExhausted]);
    // Never more than a full bucket, however long it rested.
    clock.ms += 10 * 60_000;
    expect([outcome(budget, 'acme'), outcome(budget, 'acme'), outcome(budget, 'acme')]).toEqual([
      'ok',
      'ok',
      Code.ResourceExhausted,
    ]);
  });

  it('takes nothing back, and gives nothing twice, when its clock steps back', () => {
    const clock = settableClock(Date.UTC(2025, 0, 1));
    const budget = new ProbeBudget(2, clock);
    expect(outcome(budget, 'acme')).toBe('ok');
    clock.ms -= 30_000;
    // The probe left is still there.
    expect(outcome(budget, 'acme')).toBe('ok');
    expect(outcome(budget, 'acme')).toBe(Code.ResourceExhausted);
    // Back where it was: the half minute gone back and forth refilled nothing.
    clock.ms += 30_000;
    expect(outcome(budget, 'acme')).toBe(Code.ResourceExhausted);
    clock.ms += 30_000;
    expect([outcome(budget, 'acme'), outcome(budget, 'acme')]).toEqual(['ok', Code.ResourceExhausted]);
  });
});
