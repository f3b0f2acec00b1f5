import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadResult } from '../load/load-runner.js';
import {
  DEBIAN_PYTHON,
  ensureDebianPythonPeer,
  type PythonPeerAvailability,
  runPythonLoad,
} from '../peers/debian-python.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../python/libvirt_load.py', import.meta.url));
const PROBE =
  'import libvirt; v = libvirt.getVersion(); print(f"{v // 1000000}.{v // 1000 % 1000}.{v % 1000}")';

/**
 * Makes sure Debian's `python3-libvirt` (libvirt's C library behind its Python binding) is installed, with apt-get
 * when it is missing.
 */
export function ensurePythonLibvirt(log: (line: string) => void): PythonPeerAvailability {
  return ensureDebianPythonPeer(
    {
      name: 'python3-libvirt',
      measures: 'the libvirt C binding',
      probe: PROBE,
      packages: ['python3-libvirt'],
    },
    log,
  );
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
export function runPythonLibvirt(load: PythonLibvirtLoad): Promise<LoadResult[]> {
  return runPythonLoad(SCRIPT, load);
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
