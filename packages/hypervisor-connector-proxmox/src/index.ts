/**
 * The Proxmox VE connector for `@hvc/hypervisor-connector` (spec v1), over undici: QEMU VMs and LXC containers,
 * API token or ticket auth, fingerprint pinning, task waits with backoff, typed errors and diagnostics channels.
 *
 * @packageDocumentation
 */
export type { Authenticator } from './auth/authenticator.js';
export {
  CredentialsSchema,
  EndpointSchema,
  FingerprintSchema,
  PasswordCredentialsSchema,
  type ProxmoxConfig,
  type ProxmoxConfigInput,
  ProxmoxConfigSchema,
  type ProxmoxCredentials,
  TlsSchema,
  TokenCredentialsSchema,
} from './config/config-schema.js';
export { type ProxmoxTargetUriOptions, parseProxmoxTargetUri } from './config/target-uri.js';
export { capabilitiesFor, PROXMOX_CAPABILITIES, refineCapabilities } from './connector/capabilities.js';
export { ProxmoxConnector, type RawCallOptions } from './connector/proxmox-connector.js';
export {
  mapPveFailure,
  mapPveMessage,
  type PveFailure,
  pveErrorMessage,
} from './errors/pve-error-mapping.js';
export { guestIdOf, type PveGuestRef, type PveGuestType, parseGuestId } from './mapping/guest-id.js';
export {
  createProxmoxConnector,
  type ProxmoxConnectorFactory,
  type ProxmoxConnectorOptions,
  proxmoxConnectorFactory,
} from './proxmox-connector-factory.js';
export * from './schemas/access.js';
export * from './schemas/cluster.js';
export * from './schemas/envelope.js';
export * from './schemas/guests.js';
export * from './schemas/nodes.js';
export * from './schemas/pve-values.js';
export * from './schemas/response-schemas.js';
export * from './schemas/tasks.js';
export { decodeOperationId, encodeOperationId, type OperationRef } from './tasks/operation-id.js';
export { formatUpid, parseUpid, tryParseUpid, UPID_PATTERN, type Upid } from './tasks/upid.js';
export {
  PROXMOX_DIAGNOSTICS_CHANNELS,
  type ProxmoxRequestMessage,
  type ProxmoxResponseMessage,
  type ProxmoxTaskWaitMessage,
} from './transport/diagnostics.js';
export type { PveParams, PveParamValue } from './transport/form-encoding.js';
export type { ProxmoxLogger } from './transport/logger.js';
export { FingerprintMismatchError } from './transport/tls-connector.js';
