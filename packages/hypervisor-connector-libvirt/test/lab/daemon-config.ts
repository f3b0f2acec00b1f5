import type { PortRange } from './port-allocator.js';

/** What one lab daemon's `libvirtd.conf` says. */
export interface LibvirtdConfig {
  readonly tcpPort: number;
  readonly tlsPort: number;
  readonly socketDir: string;
  readonly hostUuid: string;
  readonly logPath: string;
  readonly caCertPath: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  /**
   * Whether the daemon pings its clients (libvirt's default: every 5 s). `false` writes `keepalive_interval = -1`:
   * it still answers a client's pings, so the client's own keepalive works as before.
   */
  readonly pingsClients?: boolean;
}

/** What one lab daemon's `qemu.conf` says beyond the lab-wide keys. */
export interface QemuConfig {
  readonly vncPorts: PortRange;
  readonly websocketPorts: PortRange;
  readonly migrationPorts: PortRange;
}

const quote = (value: string): string => JSON.stringify(value);

/**
 * `libvirtd.conf`: TCP (no auth, tests only) and TLS (client certificates checked against the lab CA) on
 * 127.0.0.1, unix sockets without auth in the lab's own directory, its own host UUID.
 */
export function libvirtdConf(config: LibvirtdConfig): string {
  return [
    'listen_tcp = 1',
    'listen_tls = 1',
    'listen_addr = "127.0.0.1"',
    `tcp_port = ${quote(String(config.tcpPort))}`,
    `tls_port = ${quote(String(config.tlsPort))}`,
    `unix_sock_dir = ${quote(config.socketDir)}`,
    'auth_tcp = "none"',
    'auth_tls = "none"',
    'auth_unix_rw = "none"',
    'auth_unix_ro = "none"',
    `ca_file = ${quote(config.caCertPath)}`,
    `cert_file = ${quote(config.serverCertPath)}`,
    `key_file = ${quote(config.serverKeyPath)}`,
    `host_uuid = ${quote(config.hostUuid)}`,
    `log_outputs = ${quote(`3:file:${config.logPath}`)}`,
    ...(config.pingsClients === false ? ['keepalive_interval = -1'] : []),
    '',
  ].join('\n');
}

/**
 * `qemu.conf` (a privileged daemon reads it from `/etc/libvirt`): guests run as root without relabelling,
 * namespaces or cgroups (see the NOTES for why each), stdio to files (no virtlogd), VNC on loopback, and port
 * ranges of this daemon's own.
 */
export function qemuConf(config: QemuConfig): string {
  return [
    'user = "root"',
    'group = "root"',
    'dynamic_ownership = 0',
    'remember_owner = 0',
    'security_driver = "none"',
    'stdio_handler = "file"',
    'namespaces = [ ]',
    'cgroup_controllers = [ ]',
    'vnc_listen = "127.0.0.1"',
    `remote_display_port_min = ${config.vncPorts.min}`,
    `remote_display_port_max = ${config.vncPorts.max}`,
    `remote_websocket_port_min = ${config.websocketPorts.min}`,
    `remote_websocket_port_max = ${config.websocketPorts.max}`,
    `migration_port_min = ${config.migrationPorts.min}`,
    `migration_port_max = ${config.migrationPorts.max}`,
    '',
  ].join('\n');
}

/** The `default` dir pool's definition: the same name and path on every host (shared storage). */
export function poolXml(name: string, path: string): string {
  return `<pool type='dir'>\n  <name>${name}</name>\n  <target>\n    <path>${path}</path>\n  </target>\n</pool>\n`;
}
