import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HVC_FROM_SOURCE } from './support/hvc-process.js';

const hook = fileURLToPath(new URL('./support/record-resolutions.mjs', import.meta.url));
const register = `import { register } from 'node:module'; import { pathToFileURL } from 'node:url'; register(pathToFileURL(${JSON.stringify(hook)}));`;

/** Every module URL `node <args>` resolves, with the hook that records them loaded first. */
function moduleGraph(args: string[]): string[] {
  const output = execFileSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, ...args],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return output.split('\n').filter((line) => line.startsWith('resolved '));
}

const SERVER =
  /\/(better-sqlite3|pino|pg|kysely|prom-client|oidc-provider)\/|\/packages\/(server|pve-fake)\//;

describe('the CLI module graph', { timeout: 60_000 }, () => {
  it('@hvc/cli loads nothing of the server', () => {
    const urls = moduleGraph([
      '--conditions=@hvc/source',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `await import('@hvc/cli');`,
    ]);
    expect(urls.some((url) => url.includes('/packages/cli/src/'))).toBe(true);
    expect(urls.some((url) => url.includes('/packages/client/src/'))).toBe(true);
    expect(urls.filter((url) => SERVER.test(url))).toEqual([]);
  });

  it('the hvc bin loads nothing of the server while it runs a command', () => {
    // `context list` builds the whole command tree and loads the completion library on the way.
    const urls = moduleGraph([...HVC_FROM_SOURCE, 'context', 'list']);
    expect(urls.some((url) => url.includes('/@bomb.sh/tab/'))).toBe(true);
    expect(urls.filter((url) => SERVER.test(url))).toEqual([]);
  });
});
