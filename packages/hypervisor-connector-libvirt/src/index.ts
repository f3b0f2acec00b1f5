/**
 * libvirt for hvc: libvirt's RPC protocol spoken in pure TypeScript over unix, TCP, TLS and SSH.
 *
 * @packageDocumentation
 */
export * from './protocol/generated/remote-procedures.gen.js';
export * from './protocol/generated/remote-protocol.gen.js';
export type { ProcedureCodecs, ProcedurePayloads } from './protocol/procedure-codecs.js';
export { DomainEventId, type DomainEventMessage, DomainLifecycleEvent } from './rpc/domain-events.js';
export { DriverFeature } from './rpc/driver-features.js';
export { DEFAULT_KEEPALIVE, type KeepaliveOptions } from './rpc/keepalive.js';
export {
  type CallOptions,
  type CallParameters,
  type DomainEventOptions,
  type DomainEventSubscription,
  LibvirtClient,
  type LibvirtServerFeatures,
  type StreamOptions,
} from './rpc/libvirt-client.js';
export { LibvirtErrorCode, VIR_FROM_RPC } from './rpc/libvirt-error-codes.js';
export { LibvirtStream } from './rpc/libvirt-stream.js';
export { type OpenLibvirtOptions, openLibvirt } from './rpc/open-libvirt.js';
export { LibvirtProtocolError } from './rpc/protocol-error.js';
export type { RemoteArgs, RemoteProcedureNumber, RemoteRet } from './rpc/remote-call.js';
export { remoteErrorToHypervisorError } from './rpc/remote-error.js';
export { remoteProcedureName } from './rpc/remote-procedure-names.js';
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
