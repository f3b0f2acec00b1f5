import { describe, expect, it } from 'vitest';
import { colorsFor } from '../src/output/colors.js';

const tty = { write: () => true, isTTY: true };
const pipe = { write: () => true };

describe('colours', () => {
  it('are on for a terminal only', () => {
    expect(colorsFor(tty, {}).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(colorsFor(pipe, {}).red('x')).toBe('x');
  });

  it('are off with NO_COLOR or TERM=dumb, and on with FORCE_COLOR', () => {
    expect(colorsFor(tty, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(colorsFor(tty, { NO_COLOR: '' }).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(colorsFor(tty, { TERM: 'dumb' }).red('x')).toBe('x');
    expect(colorsFor(pipe, { FORCE_COLOR: '1' }).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(colorsFor(tty, { FORCE_COLOR: '0' }).red('x')).toBe('x');
  });
});
