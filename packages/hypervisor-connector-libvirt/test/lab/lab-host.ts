import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { libvirtdConf, poolXml, qemuConf } from './daemon-config.js';
import { launchDaemon } from './lab-daemon.js';
import type { LabHostFacts } from './lab-facts.js';
import { type LabNetworkFacts, startLabNetwork } from './lab-network.js';
import type { ServerCertificate } from './lab-pki.js';
import type { PortAllocator } from './port-allocator.js';
import { virsh } from './virsh.js';

/** What one host is made of; the lab decides it. */
export interface LabHostSpec {
  readonly index: number;
  readonly name: string;
  readonly labDir: string;
  readonly caCertPath: string;
  readonly clientPkiDir: string;
  readonly serverCertificate: ServerCertificate;
  readonly pool: { readonly name: string; readonly path: string };
  /** QEMU capability files to start from (the probe costs ~4 s per cold daemon); may be empty. */
  readonly capabilitiesSeedDir: string;
  readonly ports: PortAllocator;
  /**
   * Run the daemon in a network namespace of its own and start this isolated libvirt network there (see
   * lab-network.ts). Such a host is reached over its unix socket only.
   */
  readonly network?: LabNetworkFacts;
  /** Whether the daemon pings its clients (see `LibvirtdConfig.pingsClients`). Default true. */
  readonly pingsClients?: boolean;
}

/** A started host: its facts (without the SSH URI, which the lab adds). */
export interface StartedHost {
  readonly facts: LabHostFacts;
  /** The host's QEMU capability cache (`/var/cache/libvirt/qemu/capabilities` inside its namespace). */
  readonly capabilitiesDir: string;
  /** The network started on it (`LabHostSpec.network`). */
  readonly network?: LabNetworkFacts;
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
 * Starts one lab host: its private directories and configuration (libvirtd.conf: loopback TCP and TLS, its own
 * unix sockets, host UUID and log; /etc/libvirt: qemu.conf with its own port ranges, the shared dir pool defined
 * and autostarted; a seeded QEMU capability cache), then its daemon (see lab-daemon.ts) and, when asked, its own
 * isolated network.
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
      ...(spec.pingsClients === undefined ? {} : { pingsClients: spec.pingsClients }),
    }),
  );
  await writeEtc(join(dir, 'etc'), spec, qemuConf({ vncPorts, websocketPorts, migrationPorts }));

  const unixUri = `qemu+unix:///system?socket=${join(socketDir, 'libvirt-sock')}`;
  const ownNetwork = spec.network !== undefined;
  const daemon = await launchDaemon(spec.labDir, { dir, name: spec.name, unixUri, logPath, ownNetwork });
  if (spec.network !== undefined) await startLabNetwork(unixUri, dir, spec.network);

  // The first capabilities call makes the daemon probe QEMU, unless its cache was seeded.
  const types = domainTypes(await virsh(unixUri, ['capabilities']));

  return {
    capabilitiesDir,
    ...(spec.network === undefined ? {} : { network: spec.network }),
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
