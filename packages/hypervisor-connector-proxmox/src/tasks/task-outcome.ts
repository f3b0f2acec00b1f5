import type { OperationStatus } from '@hvc/hypervisor-connector';

/** What a stopped task's exit status means. */
export interface TaskOutcome {
  readonly status: OperationStatus;
  /** How many warnings PVE counted (`WARNINGS: n`). */
  readonly warningCount?: number;
  /** The error text of a failed task. */
  readonly error?: string;
}

const WARNINGS = /^WARNINGS: (\d+)$/;
const INTERRUPTED = /interrupted by signal|received interrupt|task aborted/i;

/**
 * Reads a task's status: `running` while it runs; once stopped, `OK` succeeds, `WARNINGS: n` succeeds with
 * warnings, an interruption (a cancelled task) is `cancelled`, and anything else failed with that text.
 */
export function taskOutcome(status: string, exitStatus: string | undefined): TaskOutcome {
  if (status !== 'stopped') return { status: 'running' };
  const exit = exitStatus?.trim() ?? 'unexpected status';
  if (exit === 'OK') return { status: 'succeeded' };
  const warnings = WARNINGS.exec(exit);
  if (warnings) return { status: 'succeeded', warningCount: Number(warnings[1]) };
  if (INTERRUPTED.test(exit)) return { status: 'cancelled', error: exit };
  return { status: 'failed', error: exit };
}

/** The `WARN:` lines of a task log (PVE prefixes each warning so). */
export function warningLines(lines: readonly string[]): string[] {
  return lines.filter((line) => /^WARN(ING)?:/.test(line)).map((line) => line.replace(/^WARN(ING)?:\s*/, ''));
}

/** The ISO time of a unix-seconds timestamp. */
export function isoFromEpochSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
