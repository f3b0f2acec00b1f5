import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browse } from './support/browser.js';
import { type HvcResult, hvc, startHvc } from './support/hvc-process.js';
import {
  ADMIN,
  type HvcStack,
  ORGANIZATION,
  pveTargetCreation,
  SERVICE_TOKEN,
  startHvcStack,
} from './support/hvc-stack.js';
import { CLIENT_ID } from './support/oidc-issuer.js';

// Every `hvc` run starts a Node process from source (a second or more on a busy machine): generous timeouts.
let stack: HvcStack;
let home: string;
let env: Record<string, string>;
/** Every output of every `hvc` run, and every token ever stored: no token may appear in any output. */
const outputs: string[] = [];
const tokens = new Set<string>();

const credentialsFile = () => join(home, '.config', 'hvc', 'credentials.json');
type Stored = Record<string, { accessToken: string; refreshToken?: string; expiresAt?: number }>;
function readCredentials(): Stored {
  const stored = JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Stored;
  for (const login of Object.values(stored)) {
    tokens.add(login.accessToken);
    if (login.refreshToken) tokens.add(login.refreshToken);
  }
  return stored;
}

async function run(args: string[], stdin?: string): Promise<HvcResult> {
  const result = await hvc(args, env, stdin);
  outputs.push(result.stdout, result.stderr);
  return result;
}

beforeAll(async () => {
  stack = await startHvcStack();
  home = mkdtempSync(join(tmpdir(), 'hvc-cli-home-'));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
}, 90_000);

afterAll(async () => {
  await stack?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('hvc against a real hvc-server, OIDC issuer and Proxmox VE fake', { timeout: 90_000 }, () => {
  it("logs in with the device flow, approved on the issuer's own pages, and stores the token in a 0600 file", async () => {
    const login = startHvc(['login', '--server', stack.server, '--org', ORGANIZATION], env);
    const [, code] = await login.waitFor(/one-time code: (\S+)/);
    const [, page] = await login.waitFor(/Then open (\S+) in a browser/);
    // The user opens the page, types the code, confirms, logs in and consents, as in a browser.
    const last = await browse(page!, {
      userCode: code!,
      username: ADMIN,
      until: (_url, body) => body.includes('Sign-in Success'),
    });
    expect(last.body).toContain('Sign-in Success');
    const result = await login.result();
    outputs.push(result.stdout, result.stderr);
    expect(result.stderr).toContain(`Logged in to ${stack.server} as ${ADMIN}`);
    expect(result.stderr).toContain('No keychain available');
    expect(result.code).toBe(0);

    expect(statSync(credentialsFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.config', 'hvc')).mode & 0o777).toBe(0o700);
    const stored = readCredentials()[stack.server]!;
    expect(stored.refreshToken).toBeDefined();
    expect(stored.expiresAt).toBeGreaterThan(Date.now());
    expect(readFileSync(join(home, '.config', 'hvc', 'config.yaml'), 'utf8')).toContain(
      `organization: ${ORGANIZATION}`,
    );
  });

  it('adds the PVE fake as a target (credentials from stdin) and lists it', async () => {
    const creation = pveTargetCreation(stack, 'pve-1');
    const created = await run([...creation.args, '--name', 'Fake PVE'], creation.stdin);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /^ID\s+KIND\s+NAME\s+ORGANIZATION\s+AGE\npve-1\s+proxmox\s+Fake PVE\s+acme\s+\d+s\n$/,
    );

    const listed = await run(['targets', 'list', '-o', 'json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        id: 'pve-1',
        kind: 'proxmox',
        organizationId: ORGANIZATION,
        hasCredentials: true,
      }),
    ]);
    expect(listed.stdout).not.toContain(stack.pve.tokenSecret);
  });

  it('creates a guest without waiting, watches its operation to the end, then starts it and waits', async () => {
    const created = await run([
      'guests',
      'create',
      '-t',
      'pve-1',
      '--name',
      'web-2',
      '--cpus',
      '1',
      '--memory',
      '512',
      '--disk',
      '8',
      '--no-wait',
      '-o',
      'json',
    ]);
    expect(created.code).toBe(0);
    const operation = JSON.parse(created.stdout) as { id: string; type: string; status: string };
    expect(operation).toMatchObject({ type: 'create', status: 'OPERATION_STATUS_RUNNING' });

    const watched = await run(['operations', 'watch', operation.id, '-t', 'pve-1', '-o', 'yaml']);
    expect(watched.code).toBe(0);
    // Not a terminal: one progress line per change on stderr (the last one says how it ended), the operation on stdout.
    expect(watched.stderr).toMatch(/(^|\n)create \S+: succeeded 100%\n$/);
    expect(watched.stdout).toContain('status: OPERATION_STATUS_SUCCEEDED');

    const guests = JSON.parse((await run(['guests', 'list', '-t', 'pve-1', '-o', 'json'])).stdout) as Array<{
      id: string;
      name: string;
      state?: string;
    }>;
    const web2 = guests.find((guest) => guest.name === 'web-2')!;
    expect(web2.state).toBe('GUEST_STATE_STOPPED');

    const started = await run(['guests', 'start', web2.id, '-t', 'pve-1']);
    expect(started.code).toBe(0);
    expect(started.stderr).toContain(`start ${web2.id}: running`);
    expect(started.stdout).toMatch(
      new RegExp(
        `^TYPE\\s+GUEST\\s+STATUS\\s+PROGRESS\\s+DURATION\\s+ID\\nstart\\s+${web2.id}\\s+succeeded\\s`,
      ),
    );
    const got = await run(['guests', 'get', web2.id, '-t', 'pve-1']);
    expect(got.stdout).toMatch(/web-2\s+vm\s+running/);
  });

  it('answers an API error with the server message on stderr and its stable exit code', async () => {
    const missing = await run(['guests', 'get', 'qemu/999', '-t', 'pve-1']);
    expect(missing.code).toBe(6);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^error: .+ \[not_found\]\n$/);
    const usage = await run(['guests', 'get', 'qemu/100']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '-t, --target <id>' not specified");
  });

  it('takes HVC_SERVER and HVC_TOKEN for scripts, with no configuration at all, and names a refused token', async () => {
    const script = { HOME: join(home, 'elsewhere'), HVC_SERVER: stack.server, HVC_TOKEN: SERVICE_TOKEN };
    tokens.add(SERVICE_TOKEN);
    const listed = await hvc(['targets', 'list', '-o', 'json'], script);
    outputs.push(listed.stdout, listed.stderr);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: 'pve-1' })]);
    // A viewer may not start a guest: the server's message and exit code 5.
    const denied = await hvc(['guests', 'start', 'qemu/100', '-t', 'pve-1'], script);
    outputs.push(denied.stdout, denied.stderr);
    expect(denied.code).toBe(5);
    expect(denied.stderr).toMatch(/^error: .+ \[permission_denied\]\n$/);

    const refused = await hvc(['targets', 'list'], {
      ...script,
      HVC_TOKEN: 'hvc_svc_not-a-token-this-server-knows',
    });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toBe(
      'error: the server refused the token [unauthenticated]\nlog in again with `hvc login` (or check HVC_TOKEN)\n',
    );
  });

  it('refreshes an expired access token on its own, saying so only under --debug, never printing it', async () => {
    const before = readCredentials();
    writeFileSync(
      credentialsFile(),
      JSON.stringify({ [stack.server]: { ...before[stack.server], expiresAt: Date.now() - 1000 } }),
      { mode: 0o600 },
    );
    const listed = await run(['--debug', 'targets', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain('debug: access token refreshed and saved');
    expect(listed.stderr).toContain('debug: → hvc.v1.TargetService/ListTargets');
    expect(listed.stderr).toMatch(/debug: ← hvc\.v1\.TargetService\/ListTargets ok \d+ ms/);
    const after = readCredentials()[stack.server]!;
    expect(after.accessToken).not.toBe(before[stack.server]!.accessToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now());
    expect(statSync(credentialsFile()).mode & 0o777).toBe(0o600);
  });

  it('logs out: the issuer revokes the refresh token, the file forgets it, and calls are refused with exit 4', async () => {
    const { refreshToken } = readCredentials()[stack.server]!;
    const out = await run(['logout']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(`Logged out of ${stack.server}; the issuer revoked its tokens.`);
    expect(readCredentials()[stack.server]).toBeUndefined();

    const refused = await fetch(`${stack.issuer.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken!,
        client_id: CLIENT_ID,
      }),
    });
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');

    const after = await run(['targets', 'list']);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain(`error: not logged in to ${stack.server}`);
  });

  it('logs in again in a browser (--web): authorization code with PKCE, back through the loopback redirect', async () => {
    const login = startHvc(['login', '--web', '--no-browser'], env);
    const [, url] = await login.waitFor(/Open this URL in a browser to log in:\n {2}(\S+)\n/);
    const authorize = new URL(url!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const last = await browse(url!, {
      username: ADMIN,
      until: (page) => page.href.startsWith(authorize.searchParams.get('redirect_uri')!),
    });
    expect(last.body).toContain('Logged in to hvc');
    const result = await login.result();
    outputs.push(result.stdout, result.stderr);
    expect(result.stderr).toContain(`Logged in to ${stack.server} as ${ADMIN}`);
    expect(result.code).toBe(0);
    expect(readCredentials()[stack.server]!.refreshToken).toBeDefined();
    expect((await run(['targets', 'list'])).stdout).toMatch(/^ID\s+KIND/);
  });

  it('never printed a token', () => {
    expect(tokens.size).toBeGreaterThanOrEqual(3);
    for (const token of tokens) for (const output of outputs) expect(output).not.toContain(token);
  });
});
