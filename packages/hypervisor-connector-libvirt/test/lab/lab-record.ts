import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  try {
    return JSON.parse(readFileSync(recordPath(dir), 'utf8')) as RecordFile;
  } catch {
    return undefined;
  }
}

function write(dir: string, file: RecordFile): void {
  // Whole or not at all: a reaper may read it at any moment.
  const partial = join(dir, `.lab.json.${process.pid}`);
  writeFileSync(partial, JSON.stringify(file));
  renameSync(partial, recordPath(dir));
}

/**
 * Starts the record of a lab's processes, `lab.json` in its directory: whoever cleans up — `lab.stop()`, an exit
 * handler, the watchdog after a crash, the next lab, `cli.ts down` — stops exactly the recorded processes (by pid
 * and start time) and the QEMU processes of the lab's hosts.
 */
export function createLabRecord(dir: string, owner: ProcessRef | null): void {
  write(dir, { owner, processes: [] });
}

/** Adds a started process to the lab's record (from any process: a test worker may restart a daemon). */
export function recordProcess(dir: string, ref: ProcessRef): void {
  const file = read(dir);
  if (file === undefined) throw new Error(`${dir} holds no lab record`);
  write(dir, { ...file, processes: [...file.processes, ref] });
}

/**
 * Processes a lab's daemons started that outlive them, from the pid files libvirt keeps in each host's private
 * `/run/libvirt`: QEMU (`qemu/`) and the dnsmasq of a network (`network/`).
 */
function guestProcesses(dir: string, record: RecordFile): ProcessRef[] {
  const since = Math.min(...record.processes.map((ref) => ref.startTicks));
  const guests: ProcessRef[] = [];
  const hosts = readdirSync(dir).filter((name) => name.startsWith('host-'));
  for (const pidDir of hosts.flatMap((host) =>
    ['qemu', 'network'].map((sub) => join(dir, host, 'run', sub)),
  )) {
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

/** The recorded processes but this one: the watchdog reaps by becoming the reaper (exec keeps its pid). */
function othersOf(record: RecordFile): ProcessRef[] {
  return record.processes.filter((ref) => ref.pid !== process.pid);
}

/** Stops a lab's daemons first (so no guest starts meanwhile), then its guests, and removes its directory. */
export async function reapLab(dir: string): Promise<void> {
  const record = read(dir);
  if (record !== undefined && record.processes.length > 0) {
    await stopProcesses(othersOf(record));
    await stopProcesses(guestProcesses(dir, record));
  }
  await rm(dir, { recursive: true, force: true });
}

/** {@link reapLab} for an exit handler: SIGKILL to everything at once, no waiting. */
export function reapLabNow(dir: string): void {
  const record = read(dir);
  if (record !== undefined && record.processes.length > 0) {
    killNow(othersOf(record));
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
