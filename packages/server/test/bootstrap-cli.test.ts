import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runServerCommand, type ServerProcess, startServerProcess } from './support/server-process.js';

// `hvc-server bootstrap` and `serve` as an operator runs them: child processes on a SQLite file of their own.
const dir = mkdtempSync(join(tmpdir(), 'hvc-bootstrap-'));
const running: ServerProcess[] = [];
afterAll(async () => {
  for (const server of running) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const key = randomBytes(32).toString('hex');
const envOf = (name: string, extra: Record<string, string> = {}) => ({
  HVC_PORT: '0',
  HVC_DATABASE_FILE: join(dir, `${name}.sqlite`),
  HVC_ENCRYPTION_KEY: key,
  ...extra,
});
const TOKEN = /^hvc_svc_[A-Za-z0-9_-]{43}$/;

function serve(env: Record<string, string>): ServerProcess {
  const server = startServerProcess(['serve'], env);
  running.push(server);
  return server;
}

describe('hvc-server bootstrap', () => {
  it('creates an organisation and an admin token, prints the token once on stdout only, and refuses a rerun', async () => {
    const env = envOf('bootstrapped');
    const first = await runServerCommand(['bootstrap', '--organization', 'acme'], env);
    expect(first.code).toBe(0);
    const token = first.stdout.trimEnd();
    expect(token).toMatch(TOKEN);
    expect(first.stdout).toBe(`${token}\n`);
    expect(first.stderr).toContain('created organisation acme and its admin service token acme-admin');
    expect(first.stderr).not.toContain(token);
    // The database keeps the hash only.
    expect(readFileSync(env.HVC_DATABASE_FILE).includes(token)).toBe(false);

    const again = await runServerCommand(['bootstrap', '--organization', 'acme'], env);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toContain('organisation acme already exists');
    expect(again.stderr).toContain('--if-absent');
    const absent = await runServerCommand(['bootstrap', '--organization', 'acme', '--if-absent'], env);
    expect(absent).toMatchObject({ code: 0, stdout: '' });
    expect(absent.stderr).toContain('nothing done (--if-absent)');

    // `serve` with nothing but the database: the issued token is an authentication source, and it works.
    const server = serve(env);
    const { url } = await server.waitFor<{ url: string }>((line) => line.msg === 'hvc-server listening');
    const listTargets = (authorization?: string) =>
      fetch(`${url}/hvc.v1.TargetService/ListTargets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: '{}',
      });
    const listed = await listTargets(`Bearer ${token}`);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({});
    expect((await listTargets()).status).toBe(401);
    const added = await fetch(`${url}/hvc.v1.MemberService/ListMembers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ organizationId: 'acme' }),
    });
    expect(added.status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(server.output.join('\n')).not.toContain(token);
  }, 90_000);

  it('names a bad or missing organisation id and an unknown flag, creating nothing', async () => {
    const env = envOf('refused');
    const cases = [
      [['bootstrap'], '--organization is required'],
      [['bootstrap', '--organization', 'Acme Corp'], '--organization: lower case letters'],
      [['bootstrap', '--organization', 'acme', '--role', 'viewer'], "Unknown option '--role'"],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => runServerCommand(args, env)));
    cases.forEach(([args, text], i) => {
      expect([args, results[i]!.code, results[i]!.stdout]).toEqual([args, 2, '']);
      expect(results[i]!.stderr).toContain(text);
    });
    expect(existsSync(env.HVC_DATABASE_FILE)).toBe(false);
  }, 60_000);
});

describe('hvc-server serve', () => {
  it('refuses to start with no authentication source, naming the settings', async () => {
    const result = await runServerCommand(['serve'], envOf('no-auth'));
    expect(result.code).toBe(2);
    for (const setting of [
      'HVC_OIDC_ISSUER',
      'HVC_SERVICE_TOKEN',
      'hvc-server bootstrap',
      'HVC_DEV_MODE=true',
    ]) {
      expect(result.stderr).toContain(setting);
    }
  }, 60_000);

  it('starts with none when dev mode is explicit', async () => {
    const server = serve(envOf('dev-mode', { HVC_DEV_MODE: 'true' }));
    await server.waitFor((line) => line.msg === 'hvc-server listening');
    expect(await server.stop()).toBe(0);
  }, 60_000);
});
