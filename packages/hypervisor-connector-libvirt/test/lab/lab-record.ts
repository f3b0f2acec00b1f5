import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, killNow, type ProcessRef, processRef, stopProcesses } from './process-control.js';

/** The prefix of every lab's temporary directory. */
export const LAB_DIR_PREFIX = 'hvc-libvirt-lab-';

interface RecordFile {
  /** The process whose exit ends the lab, or `null` for a lab started by hand (`cli.ts up`). */
  readonly owner: ProcessRef | null;
  readonly processes: ProcessRef[];
}

function recordPath(dir: string): string {
  return join(dir, 'lab.json');
}

function read(dir: string): RecordFile | undefined {
  let file: RecordFile;
  try {
    file = JSON.parse(readFileSync(recordPath(dir), 'utf8')) as RecordFile;
  } catch {
    return undefined;
  }
  // The watchdog reaps by becoming the reaper (exec keeps its pid): it never signals itself.
  return { ...file, processes: file.processes.filter((ref) => ref.pid !== process.pid) };
}

/**
 * The processes a lab started, written to `lab.json` in its directory as each one starts, so that whoever
 * cleans up — `lab.stop()`, an exit handler, the watchdog after a crash, the next lab, `cli.ts down` — stops
 * exactly those (by pid and start time) and the QEMU processes of its hosts.
 */
export class LabRecord {
  readonly dir: string;
  readonly #file: RecordFile;

  constructor(dir: string, owner: ProcessRef | null) {
    this.dir = dir;
    this.#file = { owner, processes: [] };
    this.#write();
  }

  /** Records a started process. */
  add(ref: ProcessRef): void {
    this.#file.processes.push(ref);
    this.#write();
  }

  #write(): void {
    writeFileSync(recordPath(this.dir), JSON.stringify(this.#file));
  }
}

/** QEMU processes of a lab's hosts, from the pid files libvirt keeps in each host's private `/run/libvirt/qemu`. */
function guestProcesses(dir: string, record: RecordFile): ProcessRef[] {
  const since = Math.min(...record.processes.map((ref) => ref.startTicks));
  const guests: ProcessRef[] = [];
  for (const host of readdirSync(dir).filter((name) => name.startsWith('host-'))) {
    const pidDir = join(dir, host, 'run', 'qemu');
    let files: string[];
    try {
      files = readdirSync(pidDir).filter((name) => name.endsWith('.pid'));
    } catch {
      continue;
    }
    for (const file of files) {
      const ref = processRef(Number(readFileSync(join(pidDir, file), 'utf8').trim()));
      // Started after the lab's first daemon: a pid file left behind never names an unrelated process.
      if (ref !== undefined && ref.startTicks >= since) guests.push(ref);
    }
  }
  return guests;
}

/** Stops a lab's daemons first (so no guest starts meanwhile), then its guests, and removes its directory. */
export async function reapLab(dir: string): Promise<void> {
  const record = read(dir);
  if (record !== undefined && record.processes.length > 0) {
    await stopProcesses(record.processes);
    await stopProcesses(guestProcesses(dir, record));
  }
  await rm(dir, { recursive: true, force: true });
}

/** {@link reapLab} for an exit handler: SIGKILL to everything at once, no waiting. */
export function reapLabNow(dir: string): void {
  const record = read(dir);
  if (record !== undefined && record.processes.length > 0) {
    killNow(record.processes);
    killNow(guestProcesses(dir, record));
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The directories of labs on this machine that nobody runs any more (their owner process is gone), or — with
 * `includeManual` — also those started by hand.
 */
export function abandonedLabs(includeManual: boolean): string[] {
  const root = tmpdir();
  return readdirSync(root)
    .filter((name) => name.startsWith(LAB_DIR_PREFIX))
    .map((name) => join(root, name))
    .filter((dir) => {
      const record = read(dir);
      if (record === undefined) return false;
      return record.owner === null ? includeManual : !isRunning(record.owner);
    });
}
