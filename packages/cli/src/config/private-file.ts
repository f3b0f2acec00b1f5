import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to `path` with mode 0600 (owner read and write only), atomically: a temporary file in the same
 * directory, renamed over the old one, so a crash never leaves half a file and no other user can read it at any
 * moment.
 */
export function writePrivateFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600); // a umask cannot widen it, but an existing temporary file would keep its mode
  renameSync(temporary, path);
}
