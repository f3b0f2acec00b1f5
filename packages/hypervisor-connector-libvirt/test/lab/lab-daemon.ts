import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { LabFacts, LabHostFacts } from './lab-facts.js';
import { recordProcess } from './lab-record.js';
import { isRunning, type ProcessRef, processRef, spawnDetached, stopProcesses } from './process-control.js';
import { virsh } from './virsh.js';

const NAMESPACE_SCRIPT = fileURLToPath(new URL('./host-namespace.sh', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** What launching a host's daemon needs: its directory (with `libvirtd.conf`), name, socket URI and log. */
export type DaemonHost = Pick<LabHostFacts, 'dir' | 'name' | 'unixUri' | 'logPath'> & {
  /**
   * Run in a network namespace of its own (`unshare --net`, loopback up): its libvirt networks' bridges and
   * dnsmasq never touch the machine's interfaces. It is then reached over its unix socket only.
   */
  readonly ownNetwork?: boolean;
};

/** The lab's `/etc/hosts` (every host name on 127.0.0.1), bound over each host's own. */
export function labHostsFile(labDir: string): string {
  return join(labDir, 'hosts');
}

/** The last `lines` lines of a file (a daemon's output or log), or `(none)` when it cannot be read. */
async function fileTail(path: string, lines = 30): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

/** Where a host's daemon writes its standard output and error (GLib's and abort messages go there, not the log). */
function daemonOutputPath(host: Pick<LabHostFacts, 'dir'>): string {
  return join(host.dir, 'libvirtd.out');
}

/** The ends of a host daemon's output and log, for an error that says why it stopped or did not start. */
export async function daemonLogTails(host: Pick<LabHostFacts, 'dir' | 'logPath'>): Promise<string> {
  return `output:\n${await fileTail(daemonOutputPath(host))}\nlog:\n${await fileTail(host.logPath)}`;
}

/**
 * Starts the libvirtd of a lab host under `unshare --mount --uts --propagation private` (see host-namespace.sh;
 * with `ownNetwork`, `--net` too), records it in the lab's record and resolves once it answers `virsh version`; rejects with its output and log
 * when it exits first or does not answer within 30 s.
 */
export async function launchDaemon(labDir: string, host: DaemonHost): Promise<ProcessRef> {
  const outputPath = daemonOutputPath(host);
  const daemon = spawnDetached(
    'unshare',
    ['--mount', '--uts', ...(host.ownNetwork ? ['--net'] : []), '--propagation', 'private', '--']
      .concat(['bash', NAMESPACE_SCRIPT, ...(host.ownNetwork ? ['--own-network'] : [])])
      .concat([host.dir, host.name, labHostsFile(labDir)])
      .concat(['libvirtd', '--listen', '--config', join(host.dir, 'libvirtd.conf')])
      .concat(['--pid-file', join(host.dir, 'libvirtd.pid')]),
    { outputPath },
  );
  recordProcess(labDir, daemon);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(daemon))
      throw new Error(`${host.name}: libvirtd exited before answering\n${await daemonLogTails(host)}`);
    try {
      await virsh(host.unixUri, ['version'], { timeoutMs: 10_000 });
      return daemon;
    } catch (error) {
      if (Date.now() >= deadline) {
        const why = (error as Error).message;
        throw new Error(
          `${host.name}: libvirtd did not answer within ${READY_TIMEOUT_MS} ms (${why})\n${await daemonLogTails(host)}`,
        );
      }
      await sleep(100);
    }
  }
}

/** The pid of the host's daemon now (from its pid file: a restart changes it). */
export function daemonPid(host: Pick<LabHostFacts, 'dir'>): number {
  return Number(readFileSync(join(host.dir, 'libvirtd.pid'), 'utf8').trim());
}

/**
 * Restarts a lab host's libvirtd (SIGTERM, then a new daemon with the same configuration and state) and resolves
 * with the new pid once it answers. Its guests keep running (QEMU outlives libvirtd) and the new daemon finds them;
 * its QEMU capability cache is kept. Disruptive: do it on a lab of the test's own (`startLab`), not the shared one.
 * Not for a host with a network namespace of its own: a new daemon would get a new namespace, without its guests.
 */
export async function restartLabHost(lab: Pick<LabFacts, 'dir'>, host: DaemonHost): Promise<number> {
  if (host.ownNetwork)
    throw new Error(`${host.name} has a network namespace of its own: it cannot be restarted`);
  // No pid file: the daemon is gone already (a test killed it), there is nothing to stop.
  const current = existsSync(join(host.dir, 'libvirtd.pid')) ? processRef(daemonPid(host)) : undefined;
  if (current !== undefined) await stopProcesses([current]);
  return (await launchDaemon(lab.dir, host)).pid;
}
