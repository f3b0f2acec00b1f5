import { Readable } from 'node:stream';
import type { CliIo } from '../../src/io.js';

/** A {@link CliIo} on strings, for running `hvc` in-process. */
export function memoryIo(
  env: NodeJS.ProcessEnv,
  stdin = '',
): { io: CliIo; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      stdin: Readable.from([stdin]),
      env,
      signal: new AbortController().signal,
    },
    stdout: () => out,
    stderr: () => err,
  };
}
