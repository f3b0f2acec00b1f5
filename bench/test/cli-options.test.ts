import { describe, expect, it } from 'vitest';
import { parseCliOptions } from '../src/cli-options.js';

describe('parseCliOptions', () => {
  it('reads --quick, --json and --out, in any order', () => {
    expect(parseCliOptions([])).toEqual({ quick: false, json: false });
    expect(parseCliOptions(['--json', '--quick'])).toEqual({ quick: true, json: true });
    expect(parseCliOptions(['--', '--out', '/tmp/b.md'])).toEqual({
      quick: false,
      json: false,
      out: '/tmp/b.md',
    });
  });

  it('reads --only as a list of scenarios', () => {
    expect(parseCliOptions(['--quick', '--only', 'fleet,fanout'])).toEqual({
      quick: true,
      json: false,
      only: ['fleet', 'fanout'],
    });
    expect(() => parseCliOptions(['--only', 'fleet,everything'])).toThrow(
      /unknown scenario everything\nusage/,
    );
    expect(() => parseCliOptions(['--only', ','])).toThrow(/unknown scenario \(none\)/);
    expect(() => parseCliOptions(['--only'])).toThrow(/unknown argument --only/);
  });

  it('rejects what it does not know, with the usage', () => {
    expect(() => parseCliOptions(['--fast'])).toThrow(/unknown argument --fast\nusage: pnpm bench/);
    expect(() => parseCliOptions(['--out'])).toThrow(/unknown argument --out/);
  });
});
