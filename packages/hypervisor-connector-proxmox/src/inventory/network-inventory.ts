import type { Network } from '@hvc/hypervisor-connector';
import { ipv4Subnet } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { absentWhenDenied } from '../target/optional-read.js';
import { type PveNetwork, PveNetworksSchema, PveVnetsSchema } from './inventory-schemas.js';

/**
 * The networks NICs can use: each online node's bridges and SDN VNets (`GET /nodes/{node}/network?type=any_bridge`,
 * which merges the node's VNets and drops what the credential lacks `SDN.Audit`/`SDN.Use` on), one network per name
 * with the nodes it is on; VNets get their zone and tag from `GET /cluster/sdn/vnets` when the credential may read it.
 */
export async function pveNetworks(
  pve: ProxmoxContext,
  nodes: readonly { name: string; online: boolean }[],
  signal: AbortSignal | undefined,
): Promise<Network[]> {
  const online = nodes.filter((n) => n.online);
  const [perNode, vnets] = await Promise.all([
    Promise.all(
      online.map((n) =>
        pve.client.get(`/nodes/${n.name}/network`, { type: 'any_bridge' }, PveNetworksSchema, {
          node: n.name,
          signal,
        }),
      ),
    ),
    pve.client.get('/cluster/sdn/vnets', undefined, PveVnetsSchema, { signal }).catch(absentWhenDenied),
  ]);
  const byName = new Map<string, { first: PveNetwork; nodes: string[]; cidrs: Set<string> }>();
  perNode.forEach((ifaces, i) => {
    for (const iface of ifaces) {
      if (iface.type !== 'bridge' && iface.type !== 'OVSBridge' && iface.type !== 'vnet') continue;
      const seen = byName.get(iface.iface) ?? { first: iface, nodes: [], cidrs: new Set<string>() };
      seen.nodes.push(online[i]!.name);
      const subnet = iface.cidr === undefined ? undefined : ipv4Subnet(iface.cidr);
      seen.cidrs.add(subnet ?? '');
      byName.set(iface.iface, seen);
    }
  });
  return [...byName.entries()].map(([name, { first, nodes: on, cidrs }]): Network => {
    const cidr = cidrs.size === 1 ? [...cidrs][0] : undefined;
    if (first.type === 'vnet') {
      const vnet = vnets?.find((v) => v.vnet === name);
      return {
        id: name,
        kind: 'vnet',
        vlanAware: (vnet?.vlanaware ?? first.vlanaware) === true,
        ...(vnet?.tag === undefined ? {} : { vlanTag: vnet.tag }),
        ...(vnet?.zone === undefined ? {} : { zone: vnet.zone }),
        nodes: on,
        ...((vnet?.alias ?? first.comments) === undefined
          ? {}
          : { description: (vnet?.alias ?? first.comments)! }),
        raw: { ...first, ...(vnet === undefined ? {} : { sdn: vnet }) },
      };
    }
    return {
      id: name,
      kind: 'bridge',
      // PVE also takes a tag on a bridge that is not VLAN-aware (it makes a `vmbr0vN` bridge), so this informs.
      vlanAware: first.bridge_vlan_aware === true,
      nodes: on,
      ...(cidr ? { cidr } : {}),
      ...(first.comments === undefined ? {} : { description: first.comments.trim() }),
      raw: { ...first },
    };
  });
}
