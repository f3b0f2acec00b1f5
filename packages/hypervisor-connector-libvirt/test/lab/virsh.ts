import { execFile } from 'node:child_process';

/** Options of one {@link virsh} call. */
export interface VirshOptions {
  /** Kill virsh after this long (ms). Default 60 000. */
  readonly timeoutMs?: number;
}

/**
 * Runs the real `virsh` against `uri` and resolves with its standard output; rejects with its standard error
 * (and the command line) when it fails or times out.
 */
export function virsh(uri: string, args: readonly string[], options: VirshOptions = {}): Promise<string> {
  const argv = ['--quiet', '-c', uri, ...args];
  return new Promise((resolve, reject) => {
    execFile('virsh', argv, { timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      const why = stderr.trim() || error.message;
      reject(new Error(`virsh ${argv.join(' ')}: ${why}`, { cause: error }));
    });
  });
}
