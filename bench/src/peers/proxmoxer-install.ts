import { execFileSync } from 'node:child_process';

/** Whether the Python peer can run, and if not, why. */
export type ProxmoxerAvailability = { readonly version: string } | { readonly unavailable: string };

/** Debian's own interpreter: apt's Python packages are installed for it, not for any other python3 on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const PROBE = 'import proxmoxer, requests; print(proxmoxer.__version__)';

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
 * Makes sure Debian's `python3-proxmoxer` and `python3-requests` are installed, installing them with apt when
 * they are missing (one `apt-get update` first). Never silent: a failure is printed to stderr and returned as the
 * reason the peer is not measured.
 */
export function ensureProxmoxer(log: (line: string) => void): ProxmoxerAvailability {
  const present = probe();
  if (present) return { version: present };
  log('python3-proxmoxer is missing: installing it with apt-get (python3-proxmoxer python3-requests)');
  try {
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync(
      'apt-get',
      ['install', '-y', '--no-install-recommends', 'python3', 'python3-proxmoxer', 'python3-requests'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    );
  } catch (error) {
    const reason = `apt-get could not install python3-proxmoxer: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    process.stderr.write(`\n*** ${reason}: the proxmoxer comparison is NOT measured ***\n\n`);
    return { unavailable: reason };
  }
  const installed = probe();
  if (installed) return { version: installed };
  const reason = 'python3-proxmoxer was installed but `import proxmoxer` still fails';
  process.stderr.write(`\n*** ${reason}: the proxmoxer comparison is NOT measured ***\n\n`);
  return { unavailable: reason };
}
