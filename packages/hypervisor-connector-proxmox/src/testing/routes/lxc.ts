import type { RouteDef } from '../router/route.js';
import { guestExtraRoutes } from './guest-extra-routes.js';

/** Every route under `/nodes/{node}/lxc`. */
export function lxcRoutes(): RouteDef[] {
  return guestExtraRoutes('lxc');
}
