import type { HostNode } from '@hvc/hypervisor-connector';
import type { MemoryContext } from './memory-context.js';

/** CPUs each memory node claims to have. */
const NODE_CPUS = 32;
/** Memory each memory node claims to have: 128 GiB. */
const NODE_MEMORY_BYTES = 128 * 1024 ** 3;

/**
 * The connector's nodes, all online, each reporting the memory of the guests active on it as its usage and a CPU
 * load that grows with their CPUs.
 */
export function listMemoryNodes(context: MemoryContext): HostNode[] {
  const { state } = context;
  return state.nodes.map((name) => {
    const active = state
      .list()
      .filter((guest) => guest.node === name && (guest.state === 'running' || guest.state === 'paused'));
    const memoryBytes = active.reduce((sum, guest) => sum + guest.config.memoryMiB * 1024 * 1024, 0);
    const cpus = active.reduce((sum, guest) => sum + guest.config.cpus, 0);
    return {
      name,
      status: 'online',
      cpus: NODE_CPUS,
      memoryBytes: NODE_MEMORY_BYTES,
      usage: { cpu: Math.min(1, (cpus * 0.05) / NODE_CPUS), memoryBytes },
      raw: {
        node: name,
        status: 'online',
        maxcpu: NODE_CPUS,
        maxmem: NODE_MEMORY_BYTES,
        guests: active.length,
      },
    };
  });
}
