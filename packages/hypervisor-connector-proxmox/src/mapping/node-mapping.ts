import type { HostNode, HostNodeStatus } from '@hvc/hypervisor-connector';
import type { PveNode } from '../schemas/nodes.js';

/** A host node from its `/nodes` item. */
export function hostNodeFromPve(item: PveNode): HostNode {
  const status: HostNodeStatus =
    item.status === 'online' || item.status === 'offline' ? item.status : 'unknown';
  const usage = {
    ...(item.cpu === undefined ? {} : { cpu: item.cpu }),
    ...(item.mem === undefined ? {} : { memoryBytes: item.mem }),
    ...(item.uptime === undefined ? {} : { uptimeSeconds: item.uptime }),
  };
  return {
    name: item.node,
    status,
    ...(item.maxcpu === undefined ? {} : { cpus: item.maxcpu }),
    ...(item.maxmem === undefined ? {} : { memoryBytes: item.maxmem }),
    ...(Object.keys(usage).length > 0 ? { usage } : {}),
    raw: item,
  };
}
