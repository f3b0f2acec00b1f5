import type { RouteDef } from '../router/route.js';
import { guestRoutes } from './guest-routes.js';
import { lxcInterfaceRoutes } from './lxc-interfaces.js';

/** Every route under `/nodes/{node}/lxc`. */
export function lxcRoutes(): RouteDef[] {
  return [...guestRoutes('lxc'), ...lxcInterfaceRoutes()];
}
