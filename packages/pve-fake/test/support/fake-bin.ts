import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(PKG, 'src/bin.ts');
const NODE_ARGS = ['--conditions=@hvc/source', '--import', 'tsx', BIN];

/** The line `hvc-pve-fake` prints when it is ready. */
export interface Ready {
  url: string;
  fingerprint: string;
  username: string;
  password: string;
  tokenId: string;
  tokenSecret: string;
}

/** Starts `hvc-pve-fake` from its source with `args`; resolves with the process and its ready line. */
export async function startFakeBin(args: readonly string[]): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: PKG,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`hvc-pve-fake exited with ${code}`)));
  });
  return { child, ready: JSON.parse(line) as Ready };
}

/** Runs `hvc-pve-fake` with `args` to its end; resolves with what it printed. */
export async function runFakeBin(args: readonly string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...NODE_ARGS, ...args], { cwd: PKG });
  return stdout;
}

/** One curl call; returns the HTTP status and the parsed JSON body. */
export async function curl(
  args: string[],
): Promise<{ status: number; body: { data?: unknown; message?: string } }> {
  const { stdout } = await run('curl', ['-s', '-k', '-w', '\n%{http_code}', ...args]);
  const cut = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, cut);
  if (text && !text.startsWith('{')) throw new Error(`${args.at(-1)}: ${text}`);
  return { status: Number(stdout.slice(cut + 1)), body: text ? JSON.parse(text) : {} };
}
