import type { RouteDef } from '../router/route.js';
import { accessAdminRoutes } from './access-admin.js';
import { permissionRoutes } from './access-permissions.js';
import { realmRoutes } from './access-realms.js';
import { ticketRoutes } from './access-ticket.js';
import { clusterRoutes } from './cluster.js';
import { lxcRoutes } from './lxc.js';
import { networkRoutes } from './network.js';
import { nodeRoutes } from './nodes.js';
import { poolRoutes } from './pools.js';
import { qemuRoutes } from './qemu.js';
import { sdnRoutes } from './sdn.js';
import { storageRoutes } from './storage.js';
import { storageConfigRoutes } from './storage-config.js';
import { storageVolumeRoutes } from './storage-volume.js';
import { taskRoutes } from './tasks.js';

/** The fake's routing table: every route it serves, with its parameter schema. */
export function allRoutes(): RouteDef[] {
  return [
    ...ticketRoutes(),
    ...permissionRoutes(),
    ...accessAdminRoutes(),
    ...realmRoutes(),
    ...clusterRoutes(),
    ...nodeRoutes(),
    ...networkRoutes(),
    ...storageRoutes(),
    ...storageVolumeRoutes(),
    ...storageConfigRoutes(),
    ...sdnRoutes(),
    ...poolRoutes(),
    ...taskRoutes(),
    ...qemuRoutes(),
    ...lxcRoutes(),
  ];
}
