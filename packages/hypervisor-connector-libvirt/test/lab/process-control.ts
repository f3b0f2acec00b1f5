import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process named by pid plus its start time, so a pid reused by another process is never signalled. */
export interface ProcessRef {
  readonly pid: number;
  /** Field 22 of `/proc/PID/stat`: clock ticks after boot at which the process started. */
  readonly startTicks: number;
}

interface ProcStat {
  readonly state: string;
  readonly startTicks: number;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = Number(fields[19]);
  return state === undefined || !Number.isFinite(startTicks) ? undefined : { state, startTicks };
}

/** The process `pid` as it runs now, or `undefined` when there is none. */
export function processRef(pid: number): ProcessRef | undefined {
  const stat = procStat(pid);
  return stat === undefined ? undefined : { pid, startTicks: stat.startTicks };
}

/** Whether the very process `ref` still runs (a zombie counts as gone). */
export function isRunning(ref: ProcessRef): boolean {
  const stat = procStat(ref.pid);
  return stat !== undefined && stat.startTicks === ref.startTicks && stat.state !== 'Z';
}

function signal(ref: ProcessRef, name: NodeJS.Signals): void {
  if (!isRunning(ref)) return;
  try {
    process.kill(ref.pid, name);
  } catch {
    // Gone between the check and the signal.
  }
}

/** Sends SIGKILL to each process that still runs, without waiting (for exit handlers). */
export function killNow(refs: readonly ProcessRef[]): void {
  for (const ref of refs) signal(ref, 'SIGKILL');
}

/**
 * Stops processes by pid: SIGTERM, then SIGKILL to those still running after `graceMs`, then waits (bounded)
 * until they are gone.
 */
export async function stopProcesses(refs: readonly ProcessRef[], graceMs = 5_000): Promise<void> {
  for (const ref of refs) signal(ref, 'SIGTERM');
  const waitGone = async (deadline: number): Promise<boolean> => {
    while (refs.some(isRunning)) {
      if (Date.now() >= deadline) return false;
      await sleep(50);
    }
    return true;
  };
  if (await waitGone(Date.now() + graceMs)) return;
  killNow(refs);
  await waitGone(Date.now() + 5_000);
}

/**
 * Starts `command` in a process group of its own (a Ctrl-C meant for the test runner does not reach it), with
 * stdout and stderr appended to `outputPath` (or discarded), not waited for by this process. Throws when it cannot
 * be started (not installed, say).
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  options: { readonly outputPath?: string; readonly cwd?: string } = {},
): ProcessRef {
  const output = options.outputPath === undefined ? 'ignore' : openSync(options.outputPath, 'a');
  try {
    const child = spawn(command, args, {
      stdio: ['ignore', output, output],
      detached: true,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    // A failed start is reported below; the 'error' event must not go unhandled.
    child.once('error', () => {});
    child.unref();
    const ref = child.pid === undefined ? undefined : processRef(child.pid);
    if (ref === undefined) throw new Error(`could not start ${command} (is it installed?)`);
    return ref;
  } finally {
    if (typeof output === 'number') closeSync(output);
  }
}
