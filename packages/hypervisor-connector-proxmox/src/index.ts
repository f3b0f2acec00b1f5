/**
 * The Proxmox VE connector for `@hvc/hypervisor-connector` (spec v1), over undici: QEMU VMs and LXC containers,
 * API token or ticket auth, fingerprint pinning, task waits with backoff, typed errors and diagnostics channels.
 *
 * @packageDocumentation
 */
export {
  type ProxmoxConfig,
  type ProxmoxConfigInput,
  ProxmoxConfigSchema,
  type ProxmoxCredentials,
} from './config/config-schema.js';
export type { ProxmoxTargetUriOptions } from './config/target-uri.js';
export {
  createProxmoxConnector,
  type ProxmoxConnector,
  type ProxmoxConnectorOptions,
} from './connector/proxmox-connector.js';
export {
  type ProxmoxConnectorFactory,
  proxmoxConnectorFactory,
} from './proxmox-connector-factory.js';
export type { RawCall, RawCallOptions } from './raw/raw-call.js';
export { formatUpid, parseUpid, tryParseUpid, UPID_PATTERN, type Upid } from './tasks/upid.js';
export {
  PROXMOX_DIAGNOSTICS_CHANNELS,
  type ProxmoxRequestMessage,
  type ProxmoxResponseMessage,
  type ProxmoxTaskWaitMessage,
} from './transport/diagnostics.js';
export type { PveParams, PveParamValue } from './transport/form-encoding.js';
export type { ProxmoxLogger } from './transport/logger.js';
