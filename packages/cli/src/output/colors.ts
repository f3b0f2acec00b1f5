import picocolors from 'picocolors';
import type { OutputStream } from '../io.js';

/** Colour functions that return their input unchanged when colours are off. */
export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * Colours for one stream: on for a terminal, off when it is not one, when `NO_COLOR` is set (no-color.org) or
 * `TERM=dumb`; `FORCE_COLOR` (not `0`) turns them on anyway.
 */
export function colorsFor(stream: OutputStream, env: NodeJS.ProcessEnv): Colors {
  return picocolors.createColors(colorEnabled(stream, env));
}

function colorEnabled(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
