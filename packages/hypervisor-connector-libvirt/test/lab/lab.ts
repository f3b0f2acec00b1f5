import { copyFile, mkdir, mkdtemp, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGuestImage } from './guest-image.js';
import { labHostsFile } from './lab-daemon.js';
import type { LabFacts, LabHostFacts, LabNetworkHostFacts } from './lab-facts.js';
import { type StartedHost, startLabHost } from './lab-host.js';
import { LAB_NETWORK, type LabNetworkFacts } from './lab-network.js';
import { makeLabPki } from './lab-pki.js';
import {
  abandonedLabs,
  createLabRecord,
  LAB_DIR_PREFIX,
  reapLab,
  reapLabNow,
  recordProcess,
} from './lab-record.js';
import { startLabSsh } from './lab-ssh.js';
import { PortAllocator } from './port-allocator.js';
import { processRef, spawnDetached } from './process-control.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const WATCHDOG = fileURLToPath(new URL('./watchdog.sh', import.meta.url));
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

/** The cache of downloaded .debs, the built guest image and QEMU capabilities: `<repo>/.cache/libvirt-lab`. */
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, '.cache', 'libvirt-lab');

/** How to start a lab. */
export interface LabOptions {
  /** How many libvirtd hosts (`hvc-lab-1` ... `hvc-lab-N`). Default 2; 0 with `networkHost` for that one only. */
  readonly hosts?: number;
  /** Also start an sshd on loopback for the `qemu+ssh` transport. Default true. */
  readonly ssh?: boolean;
  /**
   * Also start the network host `hvc-lab-net`: a daemon in a network namespace of its own with an isolated libvirt
   * network whose dnsmasq leases addresses to its guests (see `LabNetworkHostFacts`). Default false.
   */
  readonly networkHost?: boolean;
  /** Downloads, the guest image and the QEMU capability cache. Default {@link DEFAULT_CACHE_DIR}. */
  readonly cacheDir?: string;
  /**
   * Outlive this process (`cli.ts up`): no exit handler, no watchdog; `cli.ts down` stops it. Default false: the
   * lab is stopped when this process exits, and by a watchdog if it dies without exiting cleanly.
   */
  readonly detached?: boolean;
  /**
   * Whether the hosts' daemons ping their clients (libvirt's keepalive, every 5 s). Default true. A lab whose
   * daemon is frozen (SIGSTOP) turns it off: libvirtd 9.0.0 has crashed on thaw (SIGSEGV in
   * `virEventGLibTimeoutRemoveIdle`) while removing the keepalive timers of clients that left during the freeze,
   * timers its worker threads create. The clients' own keepalive, which such tests exercise, is unchanged.
   */
  readonly daemonsPingClients?: boolean;
}

/** A running lab. */
export interface Lab {
  /** What tests need to reach it (plain data). */
  readonly facts: LabFacts;
  /** Kills its guests, stops its daemons and sshd (by pid: SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

/** A copy that appears whole (rename) or not at all: another lab may be reading the cache. */
async function copyCapabilities(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const file of await readdir(from)) {
    const partial = join(to, `.${file}.${process.pid}`);
    await copyFile(join(from, file), partial);
    await rename(partial, join(to, file));
  }
}

/**
 * Like `Promise.all`, but waits for every promise to settle before rejecting (with the first failure): the lab is
 * only reaped once nothing is still starting, so no process starts after the reap.
 */
async function settled<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** The name of the lab's network host. */
export const NETWORK_HOST_NAME = 'hvc-lab-net';

/** A started network host's facts: only what is reachable from outside its network namespace. */
function networkHostFacts(started: StartedHost, network: LabNetworkFacts): LabNetworkHostFacts {
  const { index, name, hostUuid, pid, dir, logPath, socketPath, readOnlySocketPath, unixUri, domainTypes } =
    started.facts;
  return {
    index,
    name,
    hostUuid,
    pid,
    dir,
    logPath,
    socketPath,
    readOnlySocketPath,
    unixUri,
    domainTypes,
    ownNetwork: true,
    network,
  };
}

function startWatchdog(dir: string): void {
  const reaper = [process.execPath, '--import', 'tsx', CLI, 'reap', dir];
  recordProcess(dir, spawnDetached('bash', [WATCHDOG, String(process.pid), ...reaper], { cwd: REPO_ROOT }));
}

/**
 * Starts a libvirt lab on this machine: `hosts` libvirtd daemons, each in its own mount and UTS namespace with
 * private libvirt directories, /dev (no kvm), /etc/hosts and host name, listening on loopback TCP (no auth) and
 * TLS (the lab's throwaway CA), each with the `default` dir pool at one shared path; optionally an sshd and a
 * network host (a daemon in its own network namespace with an isolated DHCP network). Labs left
 * behind by dead processes are reaped first; ports are picked free, so several labs can run at once.
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const hostCount = options.hosts ?? 2;
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  await Promise.all(abandonedLabs(false).map(reapLab));

  const dir = await mkdtemp(join(tmpdir(), LAB_DIR_PREFIX));
  createLabRecord(dir, options.detached ? null : (processRef(process.pid) ?? null));
  const onExit = (): void => reapLabNow(dir);
  if (!options.detached) {
    process.on('exit', onExit);
    startWatchdog(dir);
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', onExit);
      await reapLab(dir);
    })();
    return stopping;
  };

  try {
    const names = Array.from({ length: hostCount }, (_, i) => `hvc-lab-${i + 1}`);
    const network = options.networkHost ? LAB_NETWORK : undefined;
    const pool = { name: 'default', path: join(dir, 'pool') };
    const serialDir = join(dir, 'serial');
    const seedDir = join(cacheDir, 'qemu-capabilities');
    const ports = new PortAllocator();
    await Promise.all([mkdir(pool.path), mkdir(serialDir)]);
    await writeFile(
      labHostsFile(dir),
      ['127.0.0.1 localhost', ...names.map((name) => `127.0.0.1 ${name}`), ''].join('\n'),
    );
    const [guestImage, pki] = await Promise.all([
      ensureGuestImage(cacheDir),
      // The network host's daemon listens on its own namespace's loopback: a certificate like the others'.
      makeLabPki(join(dir, 'pki'), network === undefined ? names : [...names, NETWORK_HOST_NAME]),
    ]);

    /** Every daemon to start: the hosts, then the network host when asked. */
    const specs = [
      ...names.map((name, i) => ({ index: i + 1, name, network: undefined as LabNetworkFacts | undefined })),
      ...(network === undefined ? [] : [{ index: hostCount + 1, name: NETWORK_HOST_NAME, network }]),
    ];
    const startHost = (spec: (typeof specs)[number]): Promise<StartedHost> =>
      startLabHost({
        index: spec.index,
        name: spec.name,
        labDir: dir,
        caCertPath: pki.caCertPath,
        clientPkiDir: pki.clientPkiDir,
        serverCertificate: pki.servers.get(spec.name)!,
        pool,
        capabilitiesSeedDir: seedDir,
        ports,
        ...(spec.network === undefined ? {} : { network: spec.network }),
        ...(options.daemonsPingClients === undefined ? {} : { pingsClients: options.daemonsPingClients }),
      });
    const startHosts = async (): Promise<{ hosts: StartedHost[]; networkHost?: StartedHost }> => {
      const seeded = (await readdir(seedDir).catch(() => [])).length > 0;
      // With no cached capabilities, one daemon probes QEMU (~4 s) and the others start from its result.
      const first = seeded || specs[0] === undefined ? undefined : await startHost(specs[0]);
      if (first !== undefined) await copyCapabilities(first.capabilitiesDir, seedDir);
      const rest = await settled(specs.slice(first === undefined ? 0 : 1).map(startHost));
      const started = first === undefined ? rest : [first, ...rest];
      // Refreshed from a daemon: a QEMU or libvirt upgrade makes the daemons probe again.
      if (seeded && started[0] !== undefined) await copyCapabilities(started[0].capabilitiesDir, seedDir);
      const networkHost = started.find((host) => host.network !== undefined);
      const hosts = started.filter((host) => host.network === undefined);
      return networkHost === undefined ? { hosts } : { hosts, networkHost };
    };
    const hostsStarting = startHosts();
    const sshStarting = options.ssh === false ? Promise.resolve(undefined) : startLabSsh(dir, ports);
    // Both settle before a failure is thrown (and the lab reaped): nothing may still be starting then.
    await Promise.allSettled([hostsStarting, sshStarting]);
    const { hosts, networkHost } = await hostsStarting;
    const ssh = await sshStarting;

    const withSsh = (host: LabHostFacts): LabHostFacts =>
      ssh === undefined
        ? host
        : {
            ...host,
            sshUri:
              `qemu+ssh://root@127.0.0.1:${ssh.port}/system?socket=${host.socketPath}` +
              `&keyfile=${ssh.clientKeyPath}&known_hosts=${ssh.knownHostsPath}`,
          };
    const facts: LabFacts = {
      dir,
      hosts: hosts.map((host) => withSsh(host.facts)),
      ...(networkHost === undefined || network === undefined
        ? {}
        : { networkHost: networkHostFacts(networkHost, network) }),
      pool,
      serialDir,
      guestImage,
      tls: {
        caCertPath: pki.caCertPath,
        clientCertPath: pki.clientCertPath,
        clientKeyPath: pki.clientKeyPath,
        clientPkiDir: pki.clientPkiDir,
      },
      ...(ssh === undefined ? {} : { ssh }),
    };
    await writeFile(join(dir, 'facts.json'), JSON.stringify(facts, null, 2));
    return { facts, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
