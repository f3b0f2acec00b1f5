import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child started from the sources, with the JSON line it printed once ready. */
export interface ReadyChild<T> {
  readonly child: ChildProcess;
  readonly ready: T;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `node <flags> --conditions=@hvc/source --import tsx [--import <preload>] <script> <args>` and waits for its first stdout line
 * that starts with `{`. `ipc` opens an IPC channel (for the memory probe). The child's stderr is the soak's.
 */
export async function startReadyChild<T>(options: {
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly nodeFlags?: readonly string[];
  /** Modules to load after tsx, before the script. */
  readonly preload?: readonly string[];
  readonly ipc?: boolean;
}): Promise<ReadyChild<T>> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      '--conditions=@hvc/source',
      '--import',
      'tsx',
      ...(options.preload ?? []).flatMap((file) => ['--import', file]),
      options.script,
      ...options.args,
    ],
    {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'inherit', ...(options.ipc ? (['ipc'] as const) : [])],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const ready = await new Promise<T>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${options.script} exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('{')) resolve(JSON.parse(line) as T);
      });
    });
    return { child, ready, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
