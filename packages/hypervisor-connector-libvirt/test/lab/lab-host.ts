import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { libvirtdConf, poolXml, qemuConf } from './daemon-config.js';
import type { LabHostFacts } from './lab-facts.js';
import type { ServerCertificate } from './lab-pki.js';
import type { LabRecord } from './lab-record.js';
import type { PortAllocator } from './port-allocator.js';
import { isRunning, type ProcessRef, processRef } from './process-control.js';
import { virsh } from './virsh.js';

const NAMESPACE_SCRIPT = fileURLToPath(new URL('./host-namespace.sh', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** What one host is made of; the lab decides it. */
export interface LabHostSpec {
  readonly index: number;
  readonly name: string;
  readonly labDir: string;
  /** The lab's `/etc/hosts` (every host name on 127.0.0.1), bound over each host's own. */
  readonly hostsFile: string;
  readonly caCertPath: string;
  readonly clientPkiDir: string;
  readonly serverCertificate: ServerCertificate;
  readonly pool: { readonly name: string; readonly path: string };
  /** QEMU capability files to start from (the probe costs ~4 s per cold daemon); may be empty. */
  readonly capabilitiesSeedDir: string;
  readonly ports: PortAllocator;
  readonly record: LabRecord;
}

/** A started host: its facts (without the SSH URI, which the lab adds) and its daemon process. */
export interface StartedHost {
  readonly facts: LabHostFacts;
  readonly daemon: ProcessRef;
  /** The host's QEMU capability cache (`/var/cache/libvirt/qemu/capabilities` inside its namespace). */
  readonly capabilitiesDir: string;
}

async function tail(path: string, lines = 30): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

/** Writes the host's private `/etc/libvirt`: qemu.conf and the shared pool, defined and autostarted. */
async function writeEtc(etc: string, spec: LabHostSpec, qemu: string): Promise<void> {
  await mkdir(join(etc, 'storage', 'autostart'), { recursive: true });
  await writeFile(join(etc, 'qemu.conf'), qemu);
  await writeFile(join(etc, 'storage', `${spec.pool.name}.xml`), poolXml(spec.pool.name, spec.pool.path));
  // The link is read inside the namespace, where this directory is /etc/libvirt.
  await symlink(
    `/etc/libvirt/storage/${spec.pool.name}.xml`,
    join(etc, 'storage', 'autostart', `${spec.pool.name}.xml`),
  );
}

async function seedCapabilities(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const files = await readdir(from).catch(() => [] as string[]);
  await Promise.all(files.map((file) => copyFile(join(from, file), join(to, file))));
}

/** The x86_64 guest domain types in `virsh capabilities` output. */
function domainTypes(capabilities: string): string[] {
  const types = new Set<string>();
  for (const guest of capabilities.split('<guest>').slice(1)) {
    if (!guest.includes("<arch name='x86_64'>")) continue;
    for (const match of guest.matchAll(/<domain type='([^']+)'/g)) types.add(match[1]!);
  }
  return [...types];
}

/**
 * Starts one lab host: a libvirtd under `unshare --mount --uts --propagation private` (see host-namespace.sh),
 * listening on loopback TCP and TLS and its own unix sockets, with the shared dir pool started. Resolves when
 * the daemon answers; rejects with its logs when it does not within 30 s or exits.
 */
export async function startLabHost(spec: LabHostSpec): Promise<StartedHost> {
  const dir = join(spec.labDir, `host-${spec.index}`);
  const socketDir = join(dir, 'sock');
  const capabilitiesDir = join(dir, 'cache', 'qemu', 'capabilities');
  for (const sub of ['etc', 'lib', 'run', 'log', 'dev', 'sock'])
    await mkdir(join(dir, sub), { recursive: true });
  await seedCapabilities(spec.capabilitiesSeedDir, capabilitiesDir);

  const tcpPort = await spec.ports.port();
  const tlsPort = await spec.ports.port();
  const vncPorts = await spec.ports.range(10);
  const websocketPorts = await spec.ports.range(10);
  const migrationPorts = await spec.ports.range(10);
  const hostUuid = randomUUID();
  const logPath = join(dir, 'libvirtd.log');
  const outputPath = join(dir, 'libvirtd.out');
  const configPath = join(dir, 'libvirtd.conf');
  await writeFile(
    configPath,
    libvirtdConf({
      tcpPort,
      tlsPort,
      socketDir,
      hostUuid,
      logPath,
      caCertPath: spec.caCertPath,
      serverCertPath: spec.serverCertificate.certPath,
      serverKeyPath: spec.serverCertificate.keyPath,
    }),
  );
  await writeEtc(join(dir, 'etc'), spec, qemuConf({ vncPorts, websocketPorts, migrationPorts }));

  const output = openSync(outputPath, 'a');
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      'bash',
      NAMESPACE_SCRIPT,
      dir,
      spec.name,
      spec.hostsFile,
    ].concat(['libvirtd', '--listen', '--config', configPath, '--pid-file', join(dir, 'libvirtd.pid')]),
    // Its own process group: a Ctrl-C meant for the test runner does not reach it; the lab stops it.
    { stdio: ['ignore', output, output], detached: true },
  );
  closeSync(output);
  child.unref();
  const daemon = child.pid === undefined ? undefined : processRef(child.pid);
  if (daemon === undefined)
    throw new Error(`${spec.name}: libvirtd did not start\n${await tail(outputPath)}`);
  spec.record.add(daemon);

  const unixUri = `qemu+unix:///system?socket=${join(socketDir, 'libvirt-sock')}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(daemon)) {
      throw new Error(
        `${spec.name}: libvirtd exited before answering\noutput:\n${await tail(outputPath)}\nlog:\n${await tail(logPath)}`,
      );
    }
    try {
      await virsh(unixUri, ['version'], { timeoutMs: 10_000 });
      break;
    } catch (error) {
      if (Date.now() >= deadline) {
        throw new Error(
          `${spec.name}: libvirtd did not answer within ${READY_TIMEOUT_MS} ms (${(error as Error).message})\n` +
            `output:\n${await tail(outputPath)}\nlog:\n${await tail(logPath)}`,
        );
      }
      await sleep(100);
    }
  }

  const types = domainTypes(await virsh(unixUri, ['capabilities']));
  const poolState = await virsh(unixUri, ['pool-info', spec.pool.name]);
  if (!/^State:\s+running$/m.test(poolState)) await virsh(unixUri, ['pool-start', spec.pool.name]);

  return {
    daemon,
    capabilitiesDir,
    facts: {
      index: spec.index,
      name: spec.name,
      hostUuid,
      pid: daemon.pid,
      dir,
      logPath,
      socketPath: join(socketDir, 'libvirt-sock'),
      readOnlySocketPath: join(socketDir, 'libvirt-sock-ro'),
      tcpPort,
      tlsPort,
      tlsFingerprint: spec.serverCertificate.sha256,
      unixUri,
      tcpUri: `qemu+tcp://127.0.0.1:${tcpPort}/system`,
      tlsUri: `qemu+tls://127.0.0.1:${tlsPort}/system?pkipath=${spec.clientPkiDir}`,
      peerUri: `qemu+tcp://${spec.name}:${tcpPort}/system`,
      domainTypes: types,
      vncPorts,
      websocketPorts,
      migrationPorts,
    },
  };
}
