import { describe, expect, it } from 'vitest';
import { cpuRatio } from '../src/scenarios/server-overhead.js';

describe('cpuRatio', () => {
  it('takes the ratio run by run (interleaved runs pair up) and reports their median and spread', () => {
    expect(cpuRatio([300, 200, 500], [100, 100, 100])).toEqual({ median: 3, range: [2, 5] });
  });

  it('skips runs missing on either side, and is null when none is left', () => {
    expect(cpuRatio([400, Number.NaN], [200, 100])).toEqual({ median: 2, range: [2, 2] });
    expect(cpuRatio([], [])).toBeNull();
  });
});
