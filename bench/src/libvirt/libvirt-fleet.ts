import { join } from 'node:path';
import { openLibvirt, RemoteProcedure as P } from '@hvc/hypervisor-connector-libvirt';
import { type Lab, startLab } from '../../../packages/hypervisor-connector-libvirt/test/lab/lab.js';
import { tinyGuestXml } from '../../../packages/hypervisor-connector-libvirt/test/lab/tiny-guest-xml.js';
import { defineTinyGuest } from '../../../packages/hypervisor-connector-libvirt/test/lab/tiny-guests.js';

/** A libvirtd with many defined domains and one running guest, for the libvirt scenario. */
export interface LibvirtFleet {
  /** How every client reaches the daemon (TCP on loopback). */
  readonly uri: string;
  /** The defined (not running) domains. */
  readonly uuids: readonly string[];
  /** A running guest to suspend and resume. */
  readonly eventGuest: string;
  readonly libvirtVersion: string;
  close(): Promise<void>;
}

const DEFINE_BATCH = 20;

/**
 * Starts a one-host libvirt lab (the libvirt package's test lab: a real libvirtd in a private namespace) and
 * defines `domains` copies of the tiny guest (not started: libvirt lists and describes them like any other), plus
 * one running guest for the event measurement.
 */
export async function startLibvirtFleet(domains: number, log: (line: string) => void): Promise<LibvirtFleet> {
  const lab: Lab = await startLab({ hosts: 1, ssh: false });
  try {
    const host = lab.facts.hosts[0]!;
    const client = await openLibvirt(host.tcpUri);
    try {
      log(`libvirt: defining ${domains} domains`);
      const uuids: string[] = [];
      for (let first = 0; first < domains; first += DEFINE_BATCH) {
        const batch = Array.from({ length: Math.min(DEFINE_BATCH, domains - first) }, (_, i) => {
          const name = `bench-${first + i}`;
          const xml = tinyGuestXml({
            name,
            domainType: 'qemu',
            kernelPath: lab.facts.guestImage.kernelPath,
            initrdPath: lab.facts.guestImage.initrdPath,
            diskPath: join(lab.facts.pool.path, `${name}.qcow2`),
            serialLogPath: join(lab.facts.serialDir, `${name}.log`),
          });
          return client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, { xml, flags: 0 });
        });
        for (const { dom } of await Promise.all(batch)) {
          uuids.push(
            Buffer.from(dom.uuid)
              .toString('hex')
              .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5'),
          );
        }
      }
      const events = await defineTinyGuest(lab.facts, host, 'bench-events');
      const { dom } = await client.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, {
        uuid: Buffer.from(events.uuid.replace(/-/g, ''), 'hex'),
      });
      await client.call(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, { dom, flags: 0 });
      const { lib_ver } = await client.call(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION);
      const version = Number(lib_ver);
      return {
        uri: host.tcpUri,
        uuids,
        eventGuest: events.uuid,
        libvirtVersion: `${Math.floor(version / 1e6)}.${Math.floor(version / 1e3) % 1000}.${version % 1000}`,
        close: () => lab.stop(),
      };
    } finally {
      await client.close();
    }
  } catch (error) {
    await lab.stop();
    throw error;
  }
}
