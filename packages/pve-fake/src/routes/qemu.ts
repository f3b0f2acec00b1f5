import type { RouteDef } from '../router/route.js';
import { guestRoutes } from './guest-routes.js';

/** Every route under `/nodes/{node}/qemu`. */
export function qemuRoutes(): RouteDef[] {
  return guestRoutes('qemu');
}
