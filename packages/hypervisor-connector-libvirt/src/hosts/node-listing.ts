import { type HostNode, toHypervisorError } from '@hvc/hypervisor-connector';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { offeredDomainTypes } from './host-capabilities.js';
import type { LibvirtHost } from './libvirt-host.js';
import type { LibvirtTarget } from './libvirt-target.js';

/** A reached host as a node: capacity (`NODE_GET_INFO`), free memory, names and versions. */
async function onlineNode(target: LibvirtTarget, host: LibvirtHost, signal?: AbortSignal): Promise<HostNode> {
  const [info, free] = await Promise.all([
    host.call(P.REMOTE_PROC_NODE_GET_INFO, undefined, signal),
    host.call(P.REMOTE_PROC_NODE_GET_FREE_MEMORY, undefined, signal),
  ]);
  const memoryBytes = Number(info.memory) * 1024;
  const freeBytes = Number(free.freeMem);
  const facts = host.facts;
  return {
    name: target.nodeName(host),
    status: 'online',
    cpus: info.cpus,
    memoryBytes,
    usage: { memoryBytes: Math.max(0, memoryBytes - freeBytes) },
    raw: {
      uri: host.display,
      model: String.fromCharCode(...info.model.filter((code) => code !== 0)),
      mhz: info.mhz,
      numaNodes: info.nodes,
      sockets: info.sockets,
      cores: info.cores,
      threads: info.threads,
      freeMemoryBytes: freeBytes,
      ...(facts === undefined
        ? {}
        : {
            hostname: facts.hostname,
            libvirtVersion: facts.libvirtVersion,
            hypervisor: facts.hypervisor,
            hypervisorVersion: facts.hypervisorVersion,
            domainTypes: offeredDomainTypes(facts.capabilities),
          }),
    },
  };
}

/**
 * The target's hosts as nodes: each host that answers with its capacity and free memory, each that does not as
 * `offline` with the error in `raw`.
 */
export async function listNodes(target: LibvirtTarget, signal?: AbortSignal): Promise<HostNode[]> {
  await target.reachable(signal);
  return Promise.all(
    target.hosts.map(async (host): Promise<HostNode> => {
      try {
        return await onlineNode(target, host, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        const { code, message } = toHypervisorError(error, host.display);
        return {
          name: target.nodeName(host),
          status: 'offline',
          raw: { uri: host.display, error: { code, message } },
        };
      }
    }),
  );
}
