import type { RouteDef } from '../router/route.js';
import type { PveGuestType } from '../state/model.js';
import { cloneRoutes } from './guest-clone.js';
import { configRoutes } from './guest-config.js';
import { consoleRoutes } from './guest-console.js';
import { diskRoutes } from './guest-disks.js';
import { lifecycleRoutes } from './guest-lifecycle.js';
import { migrateRoutes } from './guest-migrate.js';
import { powerRoutes } from './guest-power.js';
import { snapshotRoutes } from './guest-snapshots.js';

/** All per-guest routes of one guest type; QEMU and LXC differ only in their parameter sets and task names. */
export function guestRoutes(type: PveGuestType): RouteDef[] {
  return [
    ...lifecycleRoutes(type),
    ...configRoutes(type),
    ...powerRoutes(type),
    ...snapshotRoutes(type),
    ...cloneRoutes(type),
    ...migrateRoutes(type),
    ...diskRoutes(type),
    ...consoleRoutes(type),
  ];
}
