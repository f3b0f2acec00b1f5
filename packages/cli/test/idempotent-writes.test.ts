import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHvc } from '../src/run-hvc.js';
import { type DemoInfo, type DemoServer, startDemoServer } from './support/demo-server.js';
import { memoryIo } from './support/memory-io.js';

let server: DemoServer | undefined;
let demo: DemoInfo;

/** `hvc --server URL <args>` in this process, as the demo's admin, with no configuration. */
async function hvc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = memoryIo({
    HOME: '/nonexistent',
    HVC_CONFIG_DIR: '/nonexistent/hvc',
    HVC_KEYCHAIN: 'off',
    HVC_TOKEN: demo.adminToken,
  });
  const code = await runHvc(['--server', demo.url, ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

beforeAll(async () => {
  server = await startDemoServer();
  demo = server.info;
}, 60_000);

afterAll(() => server?.stop());

describe('hvc --idempotency-key', { timeout: 60_000 }, () => {
  const create = (key: string, name: string) =>
    hvc([
      'guests',
      'create',
      '-t',
      demo.targetId,
      '--name',
      name,
      '--cpus',
      '1',
      '--memory',
      '512',
      '--idempotency-key',
      key,
      '--no-wait',
      '-o',
      'json',
    ]);

  it('creates one guest when guests create runs twice with one key, and prints the same operation', async () => {
    const first = await create('cli-key-1', 'idem-cli');
    expect(first.code, first.stderr).toBe(0);
    const again = await create('cli-key-1', 'idem-cli');
    expect(again.code, again.stderr).toBe(0);
    const [a, b] = [first, again].map((r) => JSON.parse(r.stdout) as { id: string; type: string });
    expect(a?.type).toBe('create');
    expect(b?.id).toBe(a?.id);
    const listed = await hvc(['guests', 'list', '-t', demo.targetId, '-o', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.match(/"name": ?"idem-cli"/g)).toHaveLength(1);
  });

  it('fails without writing when the key was used for another request, and refuses a malformed key', async () => {
    const reused = await create('cli-key-1', 'idem-other');
    expect(reused.code).not.toBe(0);
    expect(reused.stderr).toContain('IDEMPOTENCY_KEY_REUSED');
    const malformed = await create('has space', 'idem-bad');
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('--idempotency-key');
    const listed = await hvc(['guests', 'list', '-t', demo.targetId, '-o', 'json']);
    expect(listed.stdout).not.toMatch(/"name": ?"idem-(other|bad)"/);
  });
});
