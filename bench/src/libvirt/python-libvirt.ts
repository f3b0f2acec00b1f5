import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadResult } from '../load/load-runner.js';
import { DEBIAN_PYTHON } from '../peers/proxmoxer-install.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../python/libvirt_load.py', import.meta.url));
const PROBE =
  'import libvirt; v = libvirt.getVersion(); print(f"{v // 1000000}.{v // 1000 % 1000}.{v % 1000}")';

/** Whether the C binding can be measured, and if not, why. */
export type PythonLibvirtAvailability = { readonly version: string } | { readonly unavailable: string };

function probe(): string | undefined {
  try {
    return execFileSync(DEBIAN_PYTHON, ['-c', PROBE], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Makes sure Debian's `python3-libvirt` (libvirt's C library behind its Python binding) is installed, with apt-get
 * when it is missing. Never silent: a failure is printed and returned as the reason the peer is not measured.
 */
export function ensurePythonLibvirt(log: (line: string) => void): PythonLibvirtAvailability {
  const present = probe();
  if (present) return { version: present };
  log('python3-libvirt is missing: installing it with apt-get');
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-libvirt'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    const reason = `apt-get could not install python3-libvirt: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    process.stderr.write(`\n*** ${reason}: the libvirt C binding is NOT measured ***\n\n`);
    return { unavailable: reason };
  }
  const installed = probe();
  return installed
    ? { version: installed }
    : { unavailable: 'python3-libvirt was installed but does not import' };
}

/** A closed-loop load of the binding, in its own process. */
export interface PythonLibvirtLoad {
  readonly uri: string;
  readonly mode: 'getGuest' | 'listGuests';
  readonly uuids: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly runs: number;
}

/** Runs the load through libvirt-python; one result per run. */
export async function runPythonLibvirt(load: PythonLibvirtLoad): Promise<LoadResult[]> {
  const { stdout } = await run(DEBIAN_PYTHON, [SCRIPT, JSON.stringify(load)], { maxBuffer: 1 << 20 });
  const results = JSON.parse(stdout) as Array<LoadResult & { firstError: string | null }>;
  return results.map(({ firstError, ...rest }) => ({
    ...rest,
    p50Ms: rest.p50Ms ?? Number.NaN,
    p99Ms: rest.p99Ms ?? Number.NaN,
    ...(firstError ? { firstError } : {}),
  }));
}

/** Per suspend or resume of guest `uuid`: ms from the binding's lifecycle callback to the state read confirming it. */
export async function runPythonEventDelay(uri: string, uuid: string, samples: number): Promise<number[]> {
  const { stdout } = await run(
    DEBIAN_PYTHON,
    [SCRIPT, JSON.stringify({ uri, mode: 'eventDelay', uuid, samples })],
    {
      maxBuffer: 1 << 20,
    },
  );
  return (JSON.parse(stdout) as { delaysMs: number[] }).delaysMs;
}
