import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { LoadResult } from '../load/load-runner.js';

/** Debian's own interpreter: apt's Python packages are installed for it, not for any other python3 on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Whether a Python peer can run (the version its probe printed), and if not, why. */
export type PythonPeerAvailability = { readonly version: string } | { readonly unavailable: string };

/** A Python peer whose modules come from Debian's packages. */
export interface DebianPythonPeer {
  /** Its name in messages, e.g. `python3-libvirt`. */
  readonly name: string;
  /** What is not measured when it is missing, e.g. `the libvirt C binding`. */
  readonly measures: string;
  /** Python that imports the peer and prints its version. */
  readonly probe: string;
  /** The Debian packages to install when the probe fails. */
  readonly packages: readonly string[];
  /** Run `apt-get update` first. */
  readonly update?: boolean;
}

function probe(code: string): string | undefined {
  try {
    return execFileSync(DEBIAN_PYTHON, ['-c', code], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Makes sure a Python peer imports, installing its Debian packages with apt-get when it does not. Never silent: a
 * failure is printed to stderr and returned as the reason the peer is not measured.
 */
export function ensureDebianPythonPeer(
  peer: DebianPythonPeer,
  log: (line: string) => void,
): PythonPeerAvailability {
  const present = probe(peer.probe);
  if (present) return { version: present };
  const unavailable = (reason: string) => {
    process.stderr.write(`\n*** ${reason}: ${peer.measures} is NOT measured ***\n\n`);
    return { unavailable: reason };
  };
  log(`${peer.name} is missing: installing it with apt-get (${peer.packages.join(' ')})`);
  try {
    if (peer.update) execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...peer.packages], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    const first = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return unavailable(`apt-get could not install ${peer.name}: ${first}`);
  }
  const installed = probe(peer.probe);
  return installed ? { version: installed } : unavailable(`${peer.name} was installed but does not import`);
}

/** Runs a Python load script with its JSON arguments; the script prints one load result per run. */
export async function runPythonLoad(script: string, args: unknown): Promise<LoadResult[]> {
  const { stdout } = await promisify(execFile)(DEBIAN_PYTHON, [script, JSON.stringify(args)], {
    maxBuffer: 1 << 20,
  });
  const results = JSON.parse(stdout) as Array<LoadResult & { firstError: string | null }>;
  return results.map(({ firstError, ...rest }) => ({
    ...rest,
    p50Ms: rest.p50Ms ?? Number.NaN,
    p99Ms: rest.p99Ms ?? Number.NaN,
    ...(firstError ? { firstError } : {}),
  }));
}
