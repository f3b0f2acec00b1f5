import type { RouteDef } from '../router/route.js';
import { guestAgentRoutes } from './guest-agent.js';
import { cloudinitRoutes } from './guest-cloudinit.js';
import { guestRoutes } from './guest-routes.js';

/** Every route under `/nodes/{node}/qemu`. */
export function qemuRoutes(): RouteDef[] {
  return [...guestRoutes('qemu'), ...cloudinitRoutes(), ...guestAgentRoutes()];
}
