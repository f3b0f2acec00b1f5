import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const hook = fileURLToPath(new URL('./support/record-resolutions.mjs', import.meta.url));
const register = `import { register } from 'node:module'; import { pathToFileURL } from 'node:url'; register(pathToFileURL(${JSON.stringify(hook)}));`;

/** Every module URL the process loads for `import(entry)`. */
function moduleGraph(entry: string): string[] {
  const output = execFileSync(
    process.execPath,
    [
      '--conditions=@hvc/source',
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(register)}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(entry)});`,
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return output.split('\n').filter((line) => line.startsWith('resolved '));
}

describe('the client module graph', () => {
  for (const entry of ['@hvc/client', '@hvc/client/node', '@hvc/client/v1']) {
    it(`${entry} loads nothing of the server: no better-sqlite3, pino, pg, kysely or server source`, () => {
      const urls = moduleGraph(entry);
      expect(urls.some((url) => url.includes('/packages/client/src/'))).toBe(true);
      const server = urls.filter((url) =>
        /\/(better-sqlite3|pino|pg|kysely|prom-client|jose)\/|\/packages\/server\//.test(url),
      );
      expect(server).toEqual([]);
    });
  }
});
