import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { LabSshFacts } from './lab-facts.js';
import { recordProcess } from './lab-record.js';
import type { PortAllocator } from './port-allocator.js';
import { isRunning, spawnDetached } from './process-control.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 10_000;

/** Resolves with the first line the server sends (an SSH server greets first), or `undefined`. */
function banner(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (line: string | undefined): void => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(1_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('data', (data) => done(data.toString('latin1').split('\r\n')[0]));
  });
}

/**
 * Starts an sshd of the lab's own on 127.0.0.1: its own config and host key, and a client key generated for the
 * run as root's only authorized key (`PermitRootLogin prohibit-password`). The `qemu+ssh` transport reaches the
 * lab hosts through it (`nc -U` to a host's socket).
 */
export async function startLabSsh(labDir: string, ports: PortAllocator): Promise<LabSshFacts> {
  const dir = join(labDir, 'ssh');
  await mkdir(dir, { recursive: true });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKeyPath = join(dir, 'client_ed25519_key');
  await Promise.all([
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hvc-lab-host', '-f', hostKey]),
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hvc-lab-client', '-f', clientKeyPath]),
  ]);
  const port = await ports.port();
  const hostPublicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKeyPath}.pub`));
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]);
  const hostKeyFingerprint = stdout.split(/\s+/)[1]!;

  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The lab's files live under /tmp, which StrictModes refuses (world-writable parent).
      'StrictModes no',
      'PrintMotd no',
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege separation directory.
  await mkdir('/run/sshd', { recursive: true });
  const logPath = join(dir, 'sshd.log');
  const ref = spawnDetached('/usr/sbin/sshd', ['-D', '-e', '-f', config], { outputPath: logPath });
  recordProcess(labDir, ref);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await banner(port))?.startsWith('SSH-')) {
    if (!isRunning(ref) || Date.now() >= deadline) {
      throw new Error(`the lab sshd did not answer on port ${port}:\n${await readFile(logPath, 'utf8')}`);
    }
    await sleep(50);
  }
  return {
    host: '127.0.0.1',
    port,
    pid: ref.pid,
    user: 'root',
    clientKeyPath,
    knownHostsPath,
    hostKeyFingerprint,
  };
}
