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

function list(ctx: RouteContext): unknown[] {
  const node = ctx.env.cluster.requireNode(String(ctx.params.node));
  const type = ctx.params.type;
  return (ctx.env.cluster.networks.get(node.name) ?? [])
    .filter(
      (i) => type === undefined || i.type === type || (type === 'any_bridge' && i.type.endsWith('ridge')),
    )
    .map((i) => ({ iface: i.iface, type: i.type, ...i.attrs }));
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
