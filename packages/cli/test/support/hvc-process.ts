import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI package's directory. */
export const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `node` arguments that run the `hvc` bin from source, as `pnpm --filter @hvc/cli hvc` does. */
export const HVC_FROM_SOURCE = [
  '--conditions=@hvc/source',
  '--import',
  'tsx',
  join(CLI_DIR, 'src', 'bin.ts'),
];

/** A running `hvc`. */
export interface HvcProcess {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout and stderr together, waiting for it to appear. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code and all output once it exits. */
  result(): Promise<HvcResult>;
}

/** How `hvc` ended. */
export interface HvcResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A word quoted for `sh -c`. */
const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Starts `hvc <args>` in a child process with only `env` (plus PATH): no D-Bus session, so no keychain service is
 * reachable, as on a headless machine. With `terminal`, it runs in a pseudo-terminal of 120 columns under `script`
 * (util-linux), whose output (stdout and stderr together, as a terminal shows them) is this process's stdout.
 */
export function startHvc(
  args: readonly string[],
  env: Record<string, string>,
  options: { stdin?: string; terminal?: boolean } = {},
): HvcProcess {
  const command = [process.execPath, ...HVC_FROM_SOURCE, ...args];
  const [file, argv] = options.terminal
    ? ['script', ['-qefc', `stty cols 120 rows 40; exec ${command.map(shellQuote).join(' ')}`, '/dev/null']]
    : [command[0]!, command.slice(1)];
  const child = spawn(file, argv, {
    cwd: CLI_DIR,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    for (const listener of listeners) listener();
  });
  if (options.terminal) child.stdin!.end();
  else child.stdin!.end(options.stdin ?? '');
  const exit = new Promise<HvcResult>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout: out, stderr: err })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out + err);
          if (match) {
            listeners.delete(check);
            resolve(match);
          }
        };
        listeners.add(check);
        check();
        void exit.then(() => {
          if (listeners.delete(check)) reject(new Error(`hvc exited before ${pattern}:\n${out}${err}`));
        });
      });
    },
    result: () => exit,
  };
}

/** Runs `hvc <args>` to its end. */
export function hvc(
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<HvcResult> {
  return startHvc(args, env, stdin === undefined ? {} : { stdin }).result();
}
