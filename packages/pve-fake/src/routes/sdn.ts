import { bool } from '../params/param-spec.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';

/**
 * `GET /cluster/sdn/vnets` (`pve-network:src/PVE/API2/Network/SDN/Vnets.pm index`): the VNets in `sdn_vnets_ids`
 * order, each as `$api_sdn_vnets_config` shapes it (`vnet`, `type: 'vnet'`, the section's keys), only those on
 * which the caller has `SDN.Audit` or `SDN.Allocate` on `/sdn/zones/<zone>/<vnet>` (`check_any`). The fake keeps
 * no pending changes, so `running` and `pending` list the same.
 */
function vnets(ctx: RouteContext): unknown[] {
  const { sdn } = ctx.env.cluster;
  return sdn
    .vnetIds()
    .map((id) => sdn.vnets.get(id)!)
    .filter((v) =>
      ['SDN.Audit', 'SDN.Allocate'].some((p) =>
        ctx.env.perms.has(ctx.who, `/sdn/zones/${v.zone}/${v.vnet}`, p),
      ),
    )
    .map((v) => ({
      vnet: v.vnet,
      type: 'vnet',
      zone: v.zone,
      ...(v.tag === undefined ? {} : { tag: v.tag }),
      ...(v.vlanaware ? { vlanaware: 1 } : {}),
      ...(v.alias === undefined ? {} : { alias: v.alias }),
    }));
}

/** The cluster's SDN configuration, as far as guests use it. */
export function sdnRoutes(): RouteDef[] {
  return [route('GET', '/cluster/sdn/vnets', { running: bool(), pending: bool() }, vnets)];
}
