import { type ConnectorContext, type HypervisorConnector, parseInput } from '@hvc/hypervisor-connector';
import { defineConnector } from '@hvc/hypervisor-connector-kit';
import { addressMethods } from '../addresses/guest-addresses.js';
import { type ProxmoxConfig, type ProxmoxConfigInput, ProxmoxConfigSchema } from '../config/config-schema.js';
import { consoleStreamMethods } from '../console/console-stream.js';
import { consoleMethods } from '../console/guest-console.js';
import { deviceMethods } from '../devices/device-methods.js';
import { guestLifecycleMethods } from '../guests/guest-lifecycle.js';
import { guestReadMethods } from '../guests/guest-reads.js';
import { pveGuestWatcher } from '../guests/guest-watch.js';
import { inventoryMethods } from '../inventory/inventory-methods.js';
import { contractGuestType, type PveGuestRef, parseGuestId } from '../mapping/guest-id.js';
import { PROXMOX_PROVIDER_OPTIONS } from '../mapping/provider-options.js';
import { metricsMethods } from '../metrics/guest-metrics.js';
import { migrationMethods } from '../migration/guest-migration.js';
import { pvePowerMethods } from '../power/guest-power.js';
import { type RawCall, rawCall } from '../raw/raw-call.js';
import { snapshotMethods } from '../snapshots/guest-snapshots.js';
import { targetMethods } from '../target/target-info.js';
import { operationMethods } from '../tasks/task-operations.js';
import { type ProxmoxLogger, SILENT_LOGGER } from '../transport/logger.js';
import { createPveTransport } from '../transport/pve-transport.js';
import { createProxmoxContext } from './proxmox-context.js';

/**
 * The Proxmox VE connector (spec v1): QEMU VMs and LXC containers of one PVE cluster or node, guest ids
 * `qemu/<vmid>` and `lxc/<vmid>`. Long-running calls return an operation whose id carries the task's UPID.
 */
export interface ProxmoxConnector extends HypervisorConnector {
  readonly kind: 'proxmox';
  /** Calls any PVE API endpoint: the escape hatch for what the contract does not cover. */
  readonly raw: RawCall;
}

/** Options of {@link createProxmoxConnector} beyond the target config. */
export interface ProxmoxConnectorOptions extends ConnectorContext {
  /** The clock for ticket renewal (ms since epoch); `Date.now` by default. Tests pass a fake clock. */
  readonly now?: () => number;
  /** Where to log requests (debug), retries, re-logins and failovers (warn). Silent by default. */
  readonly logger?: ProxmoxLogger;
}

/**
 * Creates a Proxmox VE connector for one target. The config is validated first (INVALID_ARGUMENT naming each bad
 * field, secrets never echoed); no I/O happens before the first call.
 */
export function createProxmoxConnector(
  config: ProxmoxConfigInput | ProxmoxConfig,
  options: ProxmoxConnectorOptions = {},
): ProxmoxConnector {
  const parsed = parseInput(ProxmoxConfigSchema, config, 'proxmox target config');
  const target = options.targetId;
  const transport = createPveTransport(parsed, {
    now: options.now ?? Date.now,
    logger: options.logger ?? SILENT_LOGGER,
    target,
  });
  const pve = createProxmoxContext(parsed, transport, target);
  const watcher = pveGuestWatcher(pve);
  let closed = false;
  const connector = defineConnector<PveGuestRef, Pick<ProxmoxConnector, 'raw'>>(
    {
      kind: 'proxmox',
      capabilities: pve.capabilities.base,
      ...pve.origin,
      guestRef: parseGuestId,
      guestTypeOf: (ref) => contractGuestType(ref.type),
      providerOptions: PROXMOX_PROVIDER_OPTIONS,
      currentCapabilities: (call) => pve.capabilities.current(call.signal),
      ...targetMethods(pve),
      ...guestReadMethods(pve),
      ...guestLifecycleMethods(pve),
      ...pvePowerMethods(pve),
      ...migrationMethods(pve),
      ...snapshotMethods(pve),
      ...consoleMethods(pve),
      ...consoleStreamMethods(pve),
      ...metricsMethods(pve),
      ...inventoryMethods(pve),
      ...deviceMethods(pve),
      ...addressMethods(pve),
      ...operationMethods(pve),
      watchGuests: (filter, call) => watcher.watch(filter, call.signal),
      async close() {
        closed = true;
        pve.chains.close();
        watcher.close();
        transport.auth.close();
        await transport.endpoints.close(parsed.timeouts.requestMs);
      },
    },
    { raw: rawCall(pve, () => closed) },
  ) as ProxmoxConnector;
  return connector;
}
