import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHvc } from '../src/run-hvc.js';
import { memoryIo } from './support/memory-io.js';

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hvc-context-'));
  env = { HVC_CONFIG_DIR: join(dir, 'hvc'), HVC_KEYCHAIN: 'off' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function hvc(...argv: string[]) {
  const { io, stdout, stderr } = memoryIo(env);
  const code = await runHvc(argv, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('hvc context', () => {
  it('creates, lists, switches and deletes contexts in a config.yaml only its owner can read', async () => {
    expect(await hvc('context', 'set', 'prod', '--server', 'https://hvc.example/', '--org', 'acme')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'Context "prod" created.\n',
    });
    expect(
      (await hvc('context', 'set', 'lab', '--server', 'http://127.0.0.1:8080', '--protocol', 'connect')).code,
    ).toBe(0);
    expect(statSync(join(dir, 'hvc', 'config.yaml')).mode & 0o777).toBe(0o600);
    expect((await hvc('context', 'current')).code).toBe(2);

    expect((await hvc('context', 'use', 'prod')).stderr).toBe('Switched to context "prod".\n');
    expect((await hvc('context', 'current')).stdout).toBe('prod\n');
    expect((await hvc('context', 'list')).stdout).toBe(
      'CURRENT  NAME  SERVER                 ORGANIZATION  USER\n' +
        '*        prod  https://hvc.example    acme          -\n' +
        '         lab   http://127.0.0.1:8080  -             -\n',
    );
    expect(JSON.parse((await hvc('context', 'list', '-o', 'json')).stdout)).toEqual([
      { name: 'prod', server: 'https://hvc.example', organization: 'acme', current: true },
      { name: 'lab', server: 'http://127.0.0.1:8080', protocol: 'connect', current: false },
    ]);

    expect((await hvc('context', 'set', 'prod', '--org', 'other')).stderr).toBe('Context "prod" changed.\n');
    expect(readFileSync(join(dir, 'hvc', 'config.yaml'), 'utf8')).toContain('organization: other');
    expect((await hvc('context', 'delete', 'prod')).code).toBe(0);
    expect((await hvc('context', 'current')).code).toBe(2);
    expect(await hvc('context', 'use', 'prod')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no context named "prod"'),
    });
  });

  it('stores a token given on stdin only after the server accepted it', async () => {
    const { io, stderr } = memoryIo(env, 'hvc_svc_token\n');
    expect(await runHvc(['login', '--server', 'http://127.0.0.1:9', '--with-token'], io)).toBe(11);
    expect(stderr()).toMatch(/^error: .*ECONNREFUSED.* \[unavailable\]\n$/);
    expect((await hvc('context', 'list')).stderr).toContain('No contexts');
  });

  it('refuses a config.yaml it cannot understand, naming the field', async () => {
    await hvc('context', 'set', 'prod', '--server', 'https://hvc.example');
    const path = join(dir, 'hvc', 'config.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, 'contexts:\n  prod:\n    organization: acme\n');
    expect(await hvc('context', 'list')).toMatchObject({
      code: 2,
      stderr: `error: ${path}: contexts.prod.server: missing\n`,
    });
  });
});
