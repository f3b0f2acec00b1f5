import { execFileSync } from 'node:child_process';

/** Which code a run measured: the commit, and whether the measured packages had uncommitted changes. */
export interface SourceState {
  readonly commit: string;
  /** Paths under the measured packages that differ from the commit. */
  readonly modifiedPaths: readonly string[];
}

const MEASURED = [
  'packages/hypervisor-connector/src',
  'packages/hypervisor-connector-kit/src',
  'packages/hypervisor-connector-proxmox/src',
];

/** Reads the repository's commit and the measured packages' uncommitted changes; `unknown` outside a git checkout. */
export function sourceState(repoRoot: string): SourceState {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD').trim();
    const modifiedPaths = git('status', '--porcelain', '--', ...MEASURED)
      .split('\n')
      .filter((line) => line.length > 3)
      .map((line) => line.slice(3));
    return { commit, modifiedPaths };
  } catch {
    return { commit: 'unknown', modifiedPaths: [] };
  }
}
