/**
 * libvirt for hvc, in pure TypeScript: the libvirt connector (`createLibvirtConnector`, `libvirtConnectorFactory`)
 * on the connector contract, and under it libvirt's RPC protocol over unix, TCP, TLS and SSH (`openLibvirt`).
 *
 * @packageDocumentation
 */

export type { LibvirtHostConfig } from './config/host-config.js';
export {
  type LibvirtConfig,
  type LibvirtConfigInput,
  LibvirtConfigSchema,
} from './config/libvirt-config.js';
export { parseLibvirtTargetUri } from './config/target-uri.js';
// The connector.
export { LIBVIRT_CAPABILITIES } from './connector/capabilities.js';
export {
  createLibvirtConnector,
  LIBVIRT_CONNECTOR_KIND,
  type LibvirtConnector,
} from './connector/libvirt-connector.js';
export type {
  LibvirtCreateOptions,
  LibvirtMigrateOptions,
  LibvirtUpdateOptions,
} from './connector/provider-options.js';
export type { AttachTerminalOptions } from './console/guest-console.js';
export { HVC_METADATA_URI } from './domains/hvc-metadata.js';
export { type LibvirtConnectorFactory, libvirtConnectorFactory } from './libvirt-connector-factory.js';

// The protocol client.
export { RemoteProcedure } from './protocol/generated/remote-protocol.gen.js';
export { DomainEventId, type DomainEventMessage, DomainLifecycleEvent } from './rpc/domain-events.js';
export { DEFAULT_KEEPALIVE, type KeepaliveOptions } from './rpc/keepalive.js';
export {
  type CallParameters,
  type DomainEventOptions,
  type DomainEventSubscription,
  type LibvirtCallOptions,
  LibvirtClient,
  type LibvirtServerFeatures,
  type StreamOptions,
} from './rpc/libvirt-client.js';
export { LibvirtErrorCode } from './rpc/libvirt-error-codes.js';
export { LibvirtStream } from './rpc/libvirt-stream.js';
export { type OpenLibvirtOptions, openLibvirt } from './rpc/open-libvirt.js';
export type { RemoteArgs, RemoteProcedureNumber, RemoteRet } from './rpc/remote-call.js';
export type { CloseReason, ConnectionClosed } from './rpc/rpc-connection.js';
export {
  type LibvirtTransportKind,
  type LibvirtUri,
  parseLibvirtUri,
  type SshProxyMode,
} from './transport/libvirt-uri.js';
export type {
  LibvirtSshOptions,
  LibvirtTlsOptions,
  LibvirtTransportOptions,
} from './transport/transport-options.js';
