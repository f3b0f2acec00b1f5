import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedFromEnv, serveFromEnv } from './security/support/served-from-env.js';

// The README's command-line recipes for the server streams, run as written (bash, curl, od; the package's buf) against
// a server over a real socket.
const packageDir = join(import.meta.dirname, '..');
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Streaming RPCs from the command line'));
const blocks = [...section.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
const curlRecipe = blocks.find((block) => block.includes('envelope()'));
const bufRecipe = blocks.find((block) => block.startsWith('buf curl'));

const dir = mkdtempSync(join(tmpdir(), 'hvc-recipes-'));
let served: ServedFromEnv;
let env: Record<string, string>;

const call = async (path: string, body: unknown) => {
  const res = await fetch(`${served.server.url}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...served.auth.headers },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, Record<string, string>>;
};

/** A guest started on a memory target whose operations take `ms`: the id of its start operation. */
async function startedOperation(ms: number, name: string): Promise<string> {
  await call('hvc.v1.TargetService/CreateTarget', {
    targetId: name,
    kind: 'memory',
    config: { guests: [{ type: 'vm', name: 'web-1' }], operationDurationMs: ms },
  });
  env.TARGET = name;
  const { operation } = await call('hvc.v1.GuestService/StartGuest', { targetId: name, guestId: 'vm/100' });
  return operation!.id!;
}

beforeAll(async () => {
  served = await serveFromEnv(dir, 'recipes', { HVC_ALLOW_MEMORY_CONNECTOR: 'true' });
  env = {
    PATH: process.env.PATH ?? '',
    URL: served.server.url,
    TOKEN: served.auth.headers.authorization.slice('Bearer '.length),
  };
}, 60_000);
afterAll(async () => {
  await served?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the README’s streaming recipes', () => {
  it('curl: the enveloped Connect stream of WatchOperation to its end, and of Health/Watch', async () => {
    expect(curlRecipe).toBeDefined();
    env.OPERATION = await startedOperation(1_000, 'mem-curl');
    const { stdout } = await promisify(execFile)('bash', ['-c', curlRecipe!], { env, timeout: 30_000 });
    const lines = stdout.trim().split('\n');
    const frames = lines.map((line) => ({ flag: line.slice(0, 1), json: JSON.parse(line.slice(2)) }));
    const end = frames.findIndex((frame) => frame.flag === '2');
    expect(end).toBeGreaterThan(0);
    const watched = frames.slice(0, end);
    expect(watched.every((frame) => frame.flag === '0' && frame.json.operation.id === env.OPERATION)).toBe(
      true,
    );
    expect(watched.at(-1)?.json.operation.status).toBe('OPERATION_STATUS_SUCCEEDED');
    expect(frames[end]?.json).toEqual({});
    expect(frames.slice(end + 1)[0]).toEqual({ flag: '0', json: { status: 'SERVING' } });
  }, 60_000);

  it('buf curl: WatchOperation over gRPC (reflection) and over Connect (--schema), and Health/Watch', async () => {
    expect(bufRecipe).toBeDefined();
    env.OPERATION = await startedOperation(500, 'mem-buf');
    const commands = bufRecipe!
      .replace(/\\\n\s*/g, '')
      .trim()
      .split('\n')
      .map((line) => line.replace(/^buf /, `${join(packageDir, 'node_modules', '.bin', 'buf')} `));
    const [grpc, connect, health] = commands;
    const run = (command: string, timeout = 30_000) =>
      promisify(execFile)('bash', ['-c', command], { env, timeout, cwd: join(packageDir, '..', '..') });
    for (const command of [grpc!, connect!]) {
      const { stdout } = await run(command);
      const statuses = [...stdout.matchAll(/"status": "(OPERATION_STATUS_[A-Z]+)"/g)].map((m) => m[1]);
      expect(statuses.at(-1)).toBe('OPERATION_STATUS_SUCCEEDED');
    }
    // The health watch never ends by itself: read its first message, then stop it.
    const watch = await run(`timeout 5 ${health!} || true`, 20_000);
    expect(watch.stdout).toContain('"status": "SERVING"');
  }, 90_000);
});
