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

  it('rejects what it does not know, with the usage', () => {
    expect(() => parseCliOptions(['--fast'])).toThrow(/unknown argument --fast\nusage: pnpm bench/);
    expect(() => parseCliOptions(['--out'])).toThrow(/unknown argument --out/);
  });
});
