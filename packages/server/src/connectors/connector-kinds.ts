import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import type { ConnectorsOption } from '@hvc/hypervisor-resolver';

/**
 * The connector kinds the server knows, by the `kind` a target names: the registry its resolver is created with.
 * Proxmox VE is loaded on first use; the memory connector (tests, demos) is small and registered as it is. A new
 * kind is added here, and nowhere else.
 */
export const CONNECTOR_KINDS = {
  memory: memoryConnectorFactory,
  proxmox: () => import('@hvc/hypervisor-connector-proxmox'),
} as const satisfies ConnectorsOption;
