import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import type { LibvirtClient } from '../rpc/libvirt-client.js';
import { type HostCapabilities, parseHostCapabilities } from './host-capabilities.js';

/** What a host says about itself when the connection opens; kept for the connection's life. */
export interface HostFacts {
  /** `virConnectGetHostname`. */
  readonly hostname: string;
  /** The daemon's libvirt version, e.g. `9.0.0`. */
  readonly libvirtVersion: string;
  /** The hypervisor driver's name (`QEMU`) and version (`7.2.0`). */
  readonly hypervisor: string;
  readonly hypervisorVersion: string;
  readonly capabilities: HostCapabilities;
}

/** libvirt's `major * 1,000,000 + minor * 1,000 + release` as `major.minor.release`. */
export function formatLibvirtVersion(version: bigint | number): string {
  const value = Number(version);
  return `${Math.floor(value / 1_000_000)}.${Math.floor(value / 1_000) % 1_000}.${value % 1_000}`;
}

/** Reads a host's facts: five calls at once on a fresh connection. */
export async function readHostFacts(client: LibvirtClient, signal?: AbortSignal): Promise<HostFacts> {
  const options = { signal };
  const [hostname, lib, hv, type, capabilities] = await Promise.all([
    client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME, undefined, options),
    client.call(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION, undefined, options),
    client.call(P.REMOTE_PROC_CONNECT_GET_VERSION, undefined, options),
    client.call(P.REMOTE_PROC_CONNECT_GET_TYPE, undefined, options),
    client.call(P.REMOTE_PROC_CONNECT_GET_CAPABILITIES, undefined, options),
  ]);
  return {
    hostname: hostname.hostname,
    libvirtVersion: formatLibvirtVersion(lib.lib_ver),
    hypervisor: type.type,
    hypervisorVersion: formatLibvirtVersion(hv.hv_ver),
    capabilities: parseHostCapabilities(capabilities.capabilities),
  };
}

/**
 * A node name from a host name: its first label, with anything a DNS label may not hold turned into `-`
 * (`kvm2.example.com` → `kvm2`).
 */
export function nodeNameOf(hostname: string): string {
  const label = (hostname.split('.')[0] ?? '')
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label === '' ? 'host' : label;
}
