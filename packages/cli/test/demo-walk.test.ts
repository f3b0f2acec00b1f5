import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PROVISIONING_WALK } from '@hvc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHvc } from '../src/run-hvc.js';
import { type DemoServer, startDemoServer } from './support/demo-server.js';
import { memoryIo } from './support/memory-io.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGr1Y5N1cOl1ZQ4Kx9wJ6mJb7x0aZ8mVZQJ3qv1X0Yw8 ops@example';

let server: DemoServer | undefined;
let dir: string;

beforeAll(async () => {
  server = await startDemoServer();
  dir = mkdtempSync(join(tmpdir(), 'hvc-demo-walk-'));
  writeFileSync(join(dir, 'id_ed25519.pub'), `${KEY}\n`);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one `hvc …` line of the walk as the admin: `<id>` and the key path replaced, the comment left out. */
async function run(line: string, id = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const words = line
    .replace(/#.*$/, '')
    .replaceAll('<id>', id)
    .replaceAll('~/.ssh/id_ed25519.pub', join(dir, 'id_ed25519.pub'))
    .trim()
    .split(/\s+/);
  expect(words[0]).toBe('hvc');
  const { io, stdout, stderr } = memoryIo({
    HOME: '/nonexistent',
    HVC_CONFIG_DIR: '/nonexistent/hvc',
    HVC_KEYCHAIN: 'off',
    HVC_TOKEN: server!.info.adminToken,
  });
  const code = await runHvc(['--server', server!.info.url, ...words.slice(1)], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

describe("the demo banner's provisioning walk", { timeout: 120_000 }, () => {
  it('runs as printed against the demo: a VM from the cloud image with a key and a static address, and away again', async () => {
    const steps = DEMO_PROVISIONING_WALK.flatMap((line) => line.split(' && '));
    const [images, create, addresses, ...rest] = steps as [string, string, string, ...string[]];

    const listed = await run(images);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('noble-server-cloudimg-amd64.qcow2');

    const created = await run(`${create} -o json`);
    expect(created.code, created.stderr).toBe(0);
    const { guestId, status } = JSON.parse(created.stdout) as { guestId: string; status: string };
    expect(status).toBe('OPERATION_STATUS_SUCCEEDED');

    // The guest agent answers a few seconds after the start; the address is the static one the walk gave.
    await expect
      .poll(
        async () => {
          const r = await run(addresses, guestId);
          return `${r.stdout}${r.stderr}`;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toMatch(/^eth0\s+net0\s+\S+\s+192\.0\.2\.20\/24\S*\s+agent$/m);

    for (const step of rest) {
      const result = await run(step, guestId);
      expect(result.code, `${step}: ${result.stderr}`).toBe(0);
    }
    const gone = await run(`hvc guests get ${guestId} --target pve-demo`);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/not.found/i);
  });
});
