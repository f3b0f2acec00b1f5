import { describe, expect, it } from 'vitest';
import { TaskRegistry } from '../src/responder/task-registry.js';

describe('TaskRegistry', () => {
  it('counts polls per task and when each task was first seen ended', () => {
    const tasks = new TaskRegistry(1_000);
    const a = tasks.start('pve1', 'qmstart', '100');
    const b = tasks.start('pve2', 'qmstart', '101');
    for (const at of [a.endsAt - 500, a.endsAt + 30, a.endsAt + 900]) {
      const task = tasks.poll(a.upid);
      expect(task).toBe(a);
      tasks.ended(a, at);
    }
    tasks.poll(b.upid);
    expect(tasks.ended(b, b.endsAt - 1)).toBe(false);
    const stats = tasks.stats();
    expect(stats).toMatchObject({ tasks: 2, polls: 4, unseen: 1 });
    expect(stats.medianDetectionLagMs).toBeCloseTo(30, 6);
    expect(stats.startSpreadMs).toBeCloseTo(b.endsAt - a.endsAt, 6);
    expect(tasks.forGuest('pve1', '100')).toEqual([a]);
    expect(tasks.forGuest('pve1', '101')).toEqual([]);
  });

  it('does not count polls of unknown tasks, and forgets everything on reset', () => {
    const tasks = new TaskRegistry(1_000);
    tasks.start('pve1', 'qmstart', '100');
    expect(tasks.poll('UPID:pve1:nope')).toBeUndefined();
    expect(tasks.stats().polls).toBe(0);
    tasks.reset();
    expect(tasks.stats()).toEqual({
      tasks: 0,
      polls: 0,
      medianDetectionLagMs: null,
      unseen: 0,
      startSpreadMs: null,
    });
    expect(tasks.forGuest('pve1', '100')).toEqual([]);
  });
});
