import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPveFake } from '@hvc/pve-fake';
import { AUDIENCE, CLIENT_ID, startTestIssuer, type TestIssuer } from './oidc-issuer.js';

/** The organisation the stack bootstraps, and the user (OIDC subject) who is its first admin. */
export const ORGANIZATION = 'acme';
export const ADMIN = 'alice';
/** A service token the server accepts as a viewer of {@link ORGANIZATION}, for scripts (`HVC_TOKEN`). */
export const SERVICE_TOKEN = `hvc_svc_${'cli-test-'.repeat(4)}`;

/** A real hvc-server (its bin, from source) behind a real OIDC issuer, with a Proxmox VE fake to manage. */
export interface HvcStack {
  /** The server's URL. */
  readonly server: string;
  readonly issuer: TestIssuer;
  /** The PVE fake: its URL, certificate fingerprint and API token. */
  readonly pve: {
    readonly url: string;
    readonly fingerprint: string;
    readonly tokenId: string;
    readonly tokenSecret: string;
  };
  /** Every line the server printed. */
  readonly serverOutput: string[];
  close(): Promise<void>;
}

/**
 * `hvc targets create ID --kind proxmox …` for the stack's PVE fake (pinned to its certificate), with the API token
 * to give on stdin (`--credentials-file -`), as an admin would add it.
 */
export function pveTargetCreation(stack: HvcStack, id: string): { args: string[]; stdin: string } {
  const config = JSON.stringify({ endpoints: [{ url: stack.pve.url, fingerprint: stack.pve.fingerprint }] });
  const stdin = JSON.stringify({ type: 'token', tokenId: stack.pve.tokenId, secret: stack.pve.tokenSecret });
  return {
    args: ['targets', 'create', id, '--kind', 'proxmox', '--config', config, '--credentials-file', '-'],
    stdin,
  };
}

/** Starts `hvc-server serve` from the server package's source, as its own tests do, and waits until it listens. */
function startServerProcess(env: Record<string, string>): {
  child: ChildProcess;
  output: string[];
  url: Promise<string>;
} {
  const serverDir = dirname(createRequire(import.meta.url).resolve('@hvc/server/package.json'));
  const child = spawn(
    process.execPath,
    ['--conditions=@hvc/source', '--import', 'tsx', join(serverDir, 'src', 'cli.ts'), 'serve'],
    { cwd: serverDir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    let rest = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        const parsed = /^\{/.test(line) ? (JSON.parse(line) as { msg?: string; url?: string }) : {};
        if (parsed.msg === 'hvc-server listening' && parsed.url) resolve(parsed.url);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.once('exit', (code) => reject(new Error(`hvc-server exited with ${code}:\n${output.join('\n')}`)));
  });
  return { child, output, url };
}

/**
 * The issuer (device flow on), the PVE fake (two nodes, one stopped VM `web-1`, tasks of 1.5 s) and hvc-server
 * trusting the issuer, with organisation `acme` whose first admin is the issuer's user `alice`, and `hvc-cli` as the
 * login client it publishes at `/.well-known/hvc`; {@link SERVICE_TOKEN} is a viewer there.
 */
export async function startHvcStack(): Promise<HvcStack> {
  const dir = mkdtempSync(join(tmpdir(), 'hvc-cli-stack-'));
  const issuer = await startTestIssuer();
  const fake = createPveFake({
    nodes: 2,
    guests: [{ type: 'qemu', vmid: 100, name: 'web-1', status: 'stopped' }],
    taskDurationMs: 1_500,
  });
  const pveServer = await fake.listen();
  const server = startServerProcess({
    HVC_PORT: '0',
    HVC_DATABASE_FILE: join(dir, 'hvc.sqlite'),
    HVC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    HVC_OIDC_ISSUER: issuer.issuer,
    HVC_OIDC_AUDIENCE: AUDIENCE,
    HVC_OIDC_ALGORITHMS: 'ES256',
    HVC_OIDC_TYP: 'at+jwt',
    HVC_BOOTSTRAP_ORGANIZATION: ORGANIZATION,
    HVC_BOOTSTRAP_ADMIN_SUBJECT: ADMIN,
    HVC_LOGIN_CLIENT_ID: CLIENT_ID,
    HVC_SERVICE_TOKEN: SERVICE_TOKEN,
    HVC_SERVICE_TOKEN_ORGANIZATION: ORGANIZATION,
    HVC_SERVICE_TOKEN_ROLE: 'viewer',
  });
  const close = async () => {
    if (server.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    await fake.close();
    await issuer.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return {
      server: await server.url,
      issuer,
      pve: {
        url: pveServer.url,
        fingerprint: pveServer.fingerprint,
        tokenId: fake.credentials.tokenId,
        tokenSecret: fake.credentials.tokenSecret,
      },
      serverOutput: server.output,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
