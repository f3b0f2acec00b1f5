import type { RouteDef } from '../router/route.js';
import type { GuestType } from '../state/model.js';
import { configRoutes } from './guest-config.js';
import { lifecycleRoutes } from './guest-lifecycle.js';
import { powerRoutes } from './guest-power.js';

/** All per-guest routes of one guest type; QEMU and LXC differ only in their parameter sets and task names. */
export function guestExtraRoutes(type: GuestType): RouteDef[] {
  return [...lifecycleRoutes(type), ...configRoutes(type), ...powerRoutes(type)];
}
