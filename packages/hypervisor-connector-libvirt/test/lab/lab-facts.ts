import type { LabNetworkFacts } from './lab-network.js';
import type { PortRange } from './port-allocator.js';

/** One lab host: a libvirtd in its own mount and UTS namespace. Plain data (it crosses into test workers). */
export interface LabHostFacts {
  /** 1-based position in the lab. */
  readonly index: number;
  /** Its host name (`hvc-lab-1`, ...), what `virConnectGetHostname` answers; every lab host resolves it. */
  readonly name: string;
  readonly hostUuid: string;
  /** The daemon's pid as the lab started it (after `restartLabHost`, `daemonPid(host)` has the current one). */
  readonly pid: number;
  /** The host's private directories (`etc`, `lib`, `run`, `cache`, `log` bound over libvirt's own). */
  readonly dir: string;
  /** The daemon's log (`log_outputs`, warnings and errors). */
  readonly logPath: string;
  /** The read-write unix socket, and its read-only sibling. */
  readonly socketPath: string;
  readonly readOnlySocketPath: string;
  readonly tcpPort: number;
  readonly tlsPort: number;
  /** SHA-256 fingerprint of the daemon's TLS certificate, `AB:CD:...`. */
  readonly tlsFingerprint: string;
  /** `qemu+unix:///system?socket=...`. */
  readonly unixUri: string;
  /** `qemu+tcp://127.0.0.1:PORT/system` (no authentication). */
  readonly tcpUri: string;
  /** `qemu+tls://127.0.0.1:PORT/system?pkipath=...` (the lab's client certificate). */
  readonly tlsUri: string;
  /** `qemu+tcp://NAME:PORT/system`: how the other lab hosts reach this one (a migration's destination URI). */
  readonly peerUri: string;
  /** `qemu+ssh://root@127.0.0.1:PORT/system?socket=...&keyfile=...&known_hosts=...`, when the lab runs sshd. */
  readonly sshUri?: string;
  /** Guest domain types the host's capabilities offer for x86_64 (`['qemu']` here: kvm is hidden). */
  readonly domainTypes: readonly string[];
  readonly vncPorts: PortRange;
  readonly websocketPorts: PortRange;
  readonly migrationPorts: PortRange;
}

/**
 * The lab's network host (`hvc-lab-net`): a libvirtd in a network namespace of its own as well, with an isolated
 * libvirt network whose dnsmasq leases addresses to the guests on it. Reached over its unix socket only: its TCP
 * and TLS listeners are on that namespace's loopback, which the machine cannot reach. It shares the `default` pool.
 */
export type LabNetworkHostFacts = Pick<
  LabHostFacts,
  | 'index'
  | 'name'
  | 'hostUuid'
  | 'pid'
  | 'dir'
  | 'logPath'
  | 'socketPath'
  | 'readOnlySocketPath'
  | 'unixUri'
  | 'domainTypes'
> & {
  readonly ownNetwork: true;
  readonly network: LabNetworkFacts;
};

/** The lab's TLS material: its CA and the client certificate every daemon accepts. */
export interface LabTlsFacts {
  readonly caCertPath: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  /** `cacert.pem`, `clientcert.pem`, `clientkey.pem` together, as libvirt's `pkipath` expects. */
  readonly clientPkiDir: string;
}

/** The lab's sshd on loopback (for the `qemu+ssh` transport: `nc -U` or `virt-ssh-helper` to a host socket). */
export interface LabSshFacts {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly pid: number;
  readonly user: 'root';
  /** The authorized client key (OpenSSH format, no passphrase). */
  readonly clientKeyPath: string;
  /** A known_hosts file naming `[127.0.0.1]:PORT` with the host key. */
  readonly knownHostsPath: string;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it: `SHA256:...`. */
  readonly hostKeyFingerprint: string;
}

/** The tiny guest's boot files (see `guest/`). */
export interface GuestImageFacts {
  readonly kernelPath: string;
  readonly initrdPath: string;
}

/** Everything a test needs to reach the lab. Plain data: vitest's `provide` hands it to every test file. */
export interface LabFacts {
  /** The lab's temporary directory. */
  readonly dir: string;
  readonly hosts: readonly LabHostFacts[];
  /** The network host, when the lab was started with one (`networkHost: true`); not among `hosts`. */
  readonly networkHost?: LabNetworkHostFacts;
  /** The `dir` pool defined, started and autostarted on every host, at the same path (shared storage). */
  readonly pool: { readonly name: string; readonly path: string };
  /** Where guests' serial logs go (shared by all hosts, so a migrated guest keeps writing to the same file). */
  readonly serialDir: string;
  readonly guestImage: GuestImageFacts;
  readonly tls: LabTlsFacts;
  readonly ssh?: LabSshFacts;
}
