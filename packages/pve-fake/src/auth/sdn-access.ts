import type { FakeEnv } from '../fake-env.js';
import type { AuthIdentity } from './permissions.js';

/**
 * `pve-access-control:src/PVE/RPCEnvironment.pm check_sdn_bridge` with `noerr`: any of `privs` on
 * `/sdn/zones/<zone>/<bridge>`, or on one of the VLAN paths below it that the ACL tree has
 * (`/sdn/zones/<zone>/<bridge>/<vlan>`).
 */
export function canUseSdnBridge(
  env: FakeEnv,
  who: AuthIdentity,
  zone: string,
  bridge: string,
  privs: readonly string[],
): boolean {
  const path = `/sdn/zones/${zone}/${bridge}`;
  const any = (p: string) => privs.some((priv) => env.perms.has(who, p, priv));
  if (any(path)) return true;
  const vlans = new Set(
    env.access.acl
      .map((entry) => entry.path)
      .filter((p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/')),
  );
  return [...vlans].some(any);
}
