import type { FakeEnv } from '../fake-env.js';
import type { NodeState, StorageState } from '../state/model.js';

/** Memory used on a node: a base load plus its running guests. */
function nodeMemUsed(env: FakeEnv, n: NodeState): number {
  let mem = 2 * 1024 ** 3;
  for (const g of env.cluster.guests.values()) {
    if (g.node === n.name && g.status === 'running')
      mem += Number(String(g.config.memory ?? 512).replace(/\D.*$/, '')) * 0.3 * 1024 ** 2;
  }
  return Math.min(Math.round(mem), n.maxmem);
}

/** A node as `GET /nodes` and `/cluster/resources` show it (offline nodes without usage fields). */
export function nodeSummary(env: FakeEnv, n: NodeState): Record<string, unknown> {
  const base = {
    id: `node/${n.name}`,
    type: 'node',
    node: n.name,
    status: n.online ? 'online' : 'offline',
    level: '',
  };
  if (!n.online) return base;
  return {
    ...base,
    maxcpu: n.maxcpu,
    cpu: 0.03,
    maxmem: n.maxmem,
    mem: nodeMemUsed(env, n),
    maxdisk: n.maxdisk,
    disk: Math.round(n.maxdisk * 0.12),
    uptime: Math.max(0, env.clock.nowSeconds() - n.bootedAt),
  };
}

/** A storage's usage on a node as `GET /nodes/{node}/storage` lists it. */
export function storageSummary(env: FakeEnv, node: string, s: StorageState) {
  if (s.disable) {
    // `pve-storage:src/PVE/Storage.pm storage_info`: a disabled storage keeps its zeroed entry and is not activated.
    return {
      storage: s.id,
      type: s.type,
      content: [...s.content].sort().join(','),
      active: 0,
      enabled: 0,
      shared: s.shared ? 1 : 0,
      total: 0,
      used: 0,
      avail: 0,
    };
  }
  const used = env.cluster.storageUsed(node, s.id);
  return {
    storage: s.id,
    type: s.type,
    content: [...s.content].sort().join(','),
    active: 1,
    enabled: 1,
    shared: s.shared ? 1 : 0,
    total: s.total,
    used,
    avail: Math.max(0, s.total - used),
    used_fraction: s.total > 0 ? used / s.total : 0,
  };
}
