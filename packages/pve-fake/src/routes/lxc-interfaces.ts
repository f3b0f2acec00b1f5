import { guestPathParams } from '../params/param-spec.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { containerInterfaces } from '../state/guest-addresses.js';
import { guestOf } from './guest-context.js';

/**
 * `GET /nodes/{node}/lxc/{vmid}/interfaces` (pve-container `API2/LXC.pm` → `LXC.pm` `get_interfaces`, `VM.Audit`):
 * `ip --json a` in the container's network namespace — `null` for a stopped container, the family as iproute names
 * it (`inet`/`inet6`), and the legacy `hwaddr`, `inet`, `inet6` (last address of each family) beside the list.
 */
function interfaces(ctx: RouteContext): unknown[] | null {
  const g = guestOf(ctx, 'lxc');
  ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
  if (g.status !== 'running') return null;
  return containerInterfaces(ctx.env.cluster, g).map((nic) => {
    const out: Record<string, unknown> = { name: nic.name };
    for (const a of nic.addresses) out[a.family === 4 ? 'inet' : 'inet6'] = `${a.address}/${a.prefix}`;
    out['ip-addresses'] = nic.addresses.map((a) => ({
      'ip-address-type': a.family === 4 ? 'inet' : 'inet6',
      'ip-address': a.address,
      prefix: a.prefix,
    }));
    out['hardware-address'] = nic.mac;
    out.hwaddr = nic.mac;
    return out;
  });
}

/** The container interfaces route. */
export function lxcInterfaceRoutes(): RouteDef[] {
  return [route('GET', '/nodes/{node}/lxc/{vmid}/interfaces', guestPathParams, interfaces)];
}
