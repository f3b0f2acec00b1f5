import { canUseSdnBridge } from '../auth/sdn-access.js';
import { bool, int, nodeParam, required, str } from '../params/param-spec.js';
import { paramError } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';

const IFACE_TYPES = [
  'bridge',
  'bond',
  'eth',
  'alias',
  'vlan',
  'fabric',
  'OVSBridge',
  'OVSBond',
  'OVSPort',
  'OVSIntPort',
  'vnet',
];

/**
 * `pve-manager:PVE/API2/Network.pm index`: the node's interfaces but `lo`; with `type`, those of that type (`any_bridge`
 * and `any_local_bridge`: `bridge` and `OVSBridge`), and for `any_bridge`, `include_sdn` and `vnet` the node's VNets
 * merged in (`get_local_vnets`, already filtered by access); then every bridge the caller may not see is dropped
 * (`check_sdn_bridge(..., 'localnetwork', $bridge, ['SDN.Audit', 'SDN.Use'])`, skipped for root@pam).
 */
function list(ctx: RouteContext): unknown[] {
  const node = ctx.env.cluster.requireNode(String(ctx.params.node));
  const type = ctx.params.type;
  const isBridge = (t: string) => t === 'bridge' || t === 'OVSBridge';
  const ifaces: Record<string, unknown>[] = (ctx.env.cluster.networks.get(node.name) ?? [])
    .filter((i) => i.iface !== 'lo')
    .filter(
      (i) =>
        type === undefined ||
        type === 'include_sdn' ||
        i.type === type ||
        (isBridge(i.type) && (type === 'any_bridge' || type === 'any_local_bridge')),
    )
    .map((i) => ({ iface: i.iface, type: i.type, ...i.attrs }));
  if (type === 'any_bridge' || type === 'include_sdn' || type === 'vnet') {
    for (const vnet of localVnets(ctx, node.name)) {
      const at = ifaces.findIndex((i) => i.iface === vnet.iface);
      if (at >= 0) ifaces.splice(at, 1);
      ifaces.push(vnet);
    }
  }
  return ifaces
    .filter(
      (i) =>
        !isBridge(String(i.type)) ||
        ctx.who.userid === 'root@pam' ||
        canUseSdnBridge(ctx.env, ctx.who, 'localnetwork', String(i.iface), ['SDN.Audit', 'SDN.Use']),
    )
    .sort((a, b) => (String(a.iface) < String(b.iface) ? -1 : 1));
}

/**
 * `pve-network:src/PVE/Network/SDN.pm get_local_vnets`: the VNets whose zone is deployed on `node` and on which
 * the caller has `SDN.Audit` or `SDN.Use` (`check_sdn_bridge` on the zone), as interface records.
 */
function localVnets(ctx: RouteContext, node: string): Record<string, unknown>[] {
  const { sdn } = ctx.env.cluster;
  return sdn.vnetIds().flatMap((id) => {
    const vnet = sdn.vnets.get(id)!;
    const zone = sdn.zones.get(vnet.zone);
    if (!zone) return [];
    if (!canUseSdnBridge(ctx.env, ctx.who, vnet.zone, id, ['SDN.Audit', 'SDN.Use'])) return [];
    if (zone.nodes !== undefined && !zone.nodes.includes(node)) return [];
    return [
      {
        iface: id,
        type: 'vnet',
        active: '1',
        ipam: zone.ipam ? 1 : 0,
        vlanaware: vnet.vlanaware ? 1 : 0,
        ...(vnet.alias === undefined ? {} : { comments: vnet.alias }),
      },
    ];
  });
}

function create(ctx: RouteContext): null {
  const node = ctx.env.cluster.requireNode(String(ctx.params.node));
  ctx.env.perms.check(ctx.who, `/nodes/${node.name}`, ['Sys.Modify']);
  const ifaces = ctx.env.cluster.networks.get(node.name) ?? [];
  const iface = String(ctx.params.iface);
  if (ifaces.some((i) => i.iface === iface)) throw paramError({ iface: 'interface already exists' });
  const { node: _n, iface: _i, type, ...rest } = ctx.params;
  const attrs: Record<string, string | number> = {
    method: 'manual',
    method6: 'manual',
    priority: ifaces.length + 1,
  };
  for (const [k, v] of Object.entries(rest)) attrs[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  ifaces.push({ iface, type: String(type), attrs: { ...attrs, families: ['inet'] } });
  ctx.env.cluster.networks.set(node.name, ifaces);
  return null;
}

/** Host network configuration of a node: list and create (pending until applied on real PVE). */
export function networkRoutes(): RouteDef[] {
  return [
    route(
      'GET',
      '/nodes/{node}/network',
      {
        node: nodeParam,
        type: str({ enum: [...IFACE_TYPES, 'any_bridge', 'any_local_bridge', 'include_sdn'] }),
      },
      list,
    ),
    route(
      'POST',
      '/nodes/{node}/network',
      {
        node: nodeParam,
        iface: required(str({ minLength: 2, maxLength: 20 })),
        type: required(str({ enum: [...IFACE_TYPES, 'unknown'] })),
        address: str(),
        netmask: str(),
        cidr: str(),
        gateway: str(),
        autostart: bool(),
        bridge_ports: str(),
        bridge_vlan_aware: bool(),
        comments: str(),
        mtu: int({ minimum: 1280, maximum: 65520 }),
      },
      create,
    ),
  ];
}
