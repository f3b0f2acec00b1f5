import type { HostNode, TargetInfo } from '@hvc/hypervisor-connector';
import type { CallContext, ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { hostNodeFromPve } from '../mapping/node-mapping.js';
import { PvePermissionsSchema } from '../schemas/access.js';
import { PveClusterStatusSchema, PveVersionSchema } from '../schemas/cluster.js';
import { PveNodesSchema } from '../schemas/nodes.js';
import { absentWhenDenied } from './optional-read.js';

/** `describe` and `listNodes`: the version, the cluster, its nodes and what this credential can do. */
export function targetMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'describe' | 'listNodes'> {
  return {
    async describe({ signal }: CallContext): Promise<TargetInfo> {
      const [version, cluster, nodes, permissions] = await Promise.all([
        pve.client.get('/version', undefined, PveVersionSchema, { signal }),
        pve.client
          .get('/cluster/status', undefined, PveClusterStatusSchema, { signal })
          .catch(absentWhenDenied),
        pve.client.get('/nodes', undefined, PveNodesSchema, { signal }),
        pve.client
          .get('/access/permissions', undefined, PvePermissionsSchema, { signal })
          .catch(absentWhenDenied),
      ]);
      if (cluster) pve.nodeNames.learn(cluster);
      const clusterEntry = cluster?.find((item) => item.type === 'cluster');
      return {
        kind: 'proxmox',
        specificationVersion: 'v1',
        version: version.version,
        ...(clusterEntry?.name ? { clusterName: clusterEntry.name } : {}),
        nodes: nodes.map(hostNodeFromPve),
        capabilities: pve.capabilities.refine(permissions),
        raw: { version, ...(cluster ? { cluster } : {}) },
      };
    },
    async listNodes({ signal }: CallContext): Promise<HostNode[]> {
      const nodes = await pve.client.get('/nodes', undefined, PveNodesSchema, { signal });
      return nodes.map(hostNodeFromPve).sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
