import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The serial log as text, with the tty's `\r\n` line ends read as `\n`; empty when there is no log yet. */
export async function readSerialLog(logPath: string): Promise<string> {
  try {
    return (await readFile(logPath, 'utf8')).replace(/\r\n/g, '\n');
  } catch {
    return '';
  }
}

/**
 * Waits until the guest's serial log holds `marker` (e.g. `HVC-LAB ready`) and resolves with the log's text;
 * rejects after `timeoutMs` with the log's last lines. A log is truncated at every QEMU start (a start, a revert,
 * a migration's destination), not at a guest reboot: a second boot's marker follows the first one's.
 */
export async function waitForSerialMarker(
  logPath: string,
  marker: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readSerialLog(logPath);
    if (text.includes(marker)) return text;
    if (Date.now() >= deadline) {
      const last = text.trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(`no "${marker}" in ${logPath} after ${timeoutMs} ms; it ends with:\n${last}`);
    }
    await sleep(100);
  }
}

/**
 * The files the guest printed from its cidata filesystem (`HVC-LAB cidata begin NAME` ... `end NAME`), by name;
 * empty when it printed `HVC-LAB cidata none`. Each content ends with a newline (the guest adds a missing one).
 * Throws when the log has neither (the guest has not got that far).
 */
export function cidataFiles(serialText: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: { name: string; lines: string[] } | undefined;
  let seen = false;
  for (const line of serialText.split('\n')) {
    if (line === 'HVC-LAB cidata none') seen = true;
    if (current === undefined) {
      const begin = /^HVC-LAB cidata begin (.+)$/.exec(line);
      if (begin !== null) current = { name: begin[1]!, lines: [] };
    } else if (line === `HVC-LAB cidata end ${current.name}`) {
      files.set(current.name, current.lines.map((text) => `${text}\n`).join(''));
      current = undefined;
      seen = true;
    } else {
      current.lines.push(line);
    }
  }
  if (!seen) throw new Error('the serial log has no cidata marker yet');
  return files;
}
