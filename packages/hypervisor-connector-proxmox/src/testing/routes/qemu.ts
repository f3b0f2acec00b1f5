import type { RouteDef } from '../router/route.js';
import { guestExtraRoutes } from './guest-extra-routes.js';

/** Every route under `/nodes/{node}/qemu`. */
export function qemuRoutes(): RouteDef[] {
  return guestExtraRoutes('qemu');
}
