import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import type { ConnectorsOption } from '@hvc/hypervisor-resolver';

/**
 * The connector kinds the server knows, by the `kind` a target names: the registry its resolver is created with.
 * Proxmox VE and libvirt are loaded on first use; the memory connector (tests, demos) is small and registered as it
 * is. A new kind is added here, and nowhere else.
 */
export const CONNECTOR_KINDS = {
  memory: memoryConnectorFactory,
  proxmox: () => import('@hvc/hypervisor-connector-proxmox'),
  libvirt: () => import('@hvc/hypervisor-connector-libvirt'),
} as const satisfies ConnectorsOption;

/**
 * Kinds for tests and demos only: their targets are no hypervisor at all, so a production server offers them only
 * when told to.
 */
const DEMO_ONLY_KINDS: ReadonlySet<string> = new Set<keyof typeof CONNECTOR_KINDS>(['memory']);

/** The kinds a server offers: all of {@link CONNECTOR_KINDS}, or all but the demo-only ones. */
export function connectorKinds(options: { readonly demoKinds: boolean }): ConnectorsOption {
  if (options.demoKinds) return CONNECTOR_KINDS;
  return Object.fromEntries(Object.entries(CONNECTOR_KINDS).filter(([kind]) => !DEMO_ONLY_KINDS.has(kind)));
}
