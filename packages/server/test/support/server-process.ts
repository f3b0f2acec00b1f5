import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `hvc-server` bin, started from source in a child process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Every line it printed to stdout and stderr. */
  readonly output: string[];
  /** Resolves with the first stdout line (parsed as JSON when it is) that `match` accepts. */
  waitFor<T = Record<string, unknown>>(match: (line: Record<string, unknown>) => boolean): Promise<T>;
  /** Resolves with the exit code once the process exits by itself. */
  exited(): Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `hvc-server <args>` from source with `env` (added to a minimal environment). */
function spawnServer(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@hvc/source', '--import', 'tsx', join(packageDir, 'src', 'cli.ts'), ...args],
    { cwd: packageDir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** What a command that runs to its end printed, each stream apart, and its exit code. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hvc-server <args>` with `env` to its end (a command such as `bootstrap` or `migrate`). */
export function runServerCommand(
  args: readonly string[],
  env: Record<string, string>,
): Promise<CommandResult> {
  const child = spawnServer(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `hvc-server <args>` with `env` (added to a minimal environment). */
export function startServerProcess(args: string[], env: Record<string, string>): ServerProcess {
  const child = spawnServer(args, env);
  const output: string[] = [];
  const waiters: Array<{ match: (line: Record<string, unknown>) => boolean; resolve: (v: unknown) => void }> =
    [];
  let exited: number | null | undefined;
  const failures: Array<(error: Error) => void> = [];
  const onLine = (line: string) => {
    output.push(line);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = { text: line };
    }
    for (const waiter of [...waiters]) {
      if (waiter.match(parsed)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(parsed);
      }
    }
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      lines.filter(Boolean).forEach(onLine);
    });
  }
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = code;
      for (const fail of failures) fail(new Error(`hvc-server exited with ${code}:\n${output.join('\n')}`));
      resolve(code);
    });
  });
  return {
    child,
    output,
    waitFor<T>(match: (line: Record<string, unknown>) => boolean) {
      return new Promise<T>((resolve, reject) => {
        if (exited !== undefined)
          reject(new Error(`hvc-server exited with ${exited}:\n${output.join('\n')}`));
        waiters.push({ match, resolve: resolve as (v: unknown) => void });
        failures.push(reject);
      });
    },
    exited: () => exit,
    async stop() {
      if (exited === undefined) child.kill('SIGTERM');
      return exit;
    },
  };
}
