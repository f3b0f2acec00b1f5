import { isHypervisorError, UnauthenticatedError } from '@hvc/hypervisor-connector';
import { RemoteAuthType, RemoteProcedure } from '../protocol/generated/remote-protocol.gen.js';
import { DriverFeature } from './driver-features.js';
import type { KeepaliveOptions } from './keepalive.js';
import type { LibvirtServerFeatures } from './libvirt-client.js';
import { LibvirtErrorCode } from './libvirt-error-codes.js';
import { type RemoteArgs, type RemoteProcedureNumber, type RemoteRet, remoteCall } from './remote-call.js';
import type { RpcConnection } from './rpc-connection.js';

/** What the opening sequence needs. */
export interface HandshakeOptions {
  /** The URI the daemon opens (`qemu:///system`). */
  readonly name: string;
  readonly readOnly: boolean;
  /** Keepalive settings, or `false` to neither ping nor ask the daemon to. */
  readonly keepalive: KeepaliveOptions | false;
  readonly signal: AbortSignal;
  /** Secret-free name of the target, for errors. */
  readonly target: string;
}

const AUTH_NAMES: Record<number, string> = {
  [RemoteAuthType.REMOTE_AUTH_SASL]: 'SASL',
  [RemoteAuthType.REMOTE_AUTH_POLKIT]: 'polkit',
};

/**
 * The opening sequence of libvirt's C client (`doRemoteOpen`): `AUTH_LIST` (only "none" is implemented: a
 * daemon that demands SASL or polkit gets a clear UNAUTHENTICATED error), `CONNECT_SUPPORTS_FEATURE`
 * PROGRAM_KEEPALIVE (then our pings start), `CONNECT_OPEN` with the URI stripped of transport and host, and
 * `CONNECT_SUPPORTS_FEATURE` REMOTE_EVENT_CALLBACK.
 */
export async function openHandshake(
  connection: RpcConnection,
  options: HandshakeOptions,
): Promise<LibvirtServerFeatures> {
  const call = <P extends RemoteProcedureNumber>(procedure: P, args: RemoteArgs<P>): Promise<RemoteRet<P>> =>
    connection.call(remoteCall(procedure, args), { signal: options.signal });
  const supports = async (feature: number): Promise<boolean> =>
    (await call(RemoteProcedure.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, { feature })).supported !== 0;

  let authTypes: readonly number[] = [];
  try {
    authTypes = (await call(RemoteProcedure.REMOTE_PROC_AUTH_LIST, undefined)).types;
  } catch (error) {
    // A daemon too old to know AUTH_LIST needs no authentication (libvirt's client does the same).
    if (!(isHypervisorError(error) && error.details?.libvirtCode === LibvirtErrorCode.NO_SUPPORT))
      throw error;
  }
  const required = authTypes[0];
  if (required !== undefined && required !== RemoteAuthType.REMOTE_AUTH_NONE) {
    const method = AUTH_NAMES[required] ?? `type ${required}`;
    throw new UnauthenticatedError(
      `${options.target}: the libvirt daemon requires ${method} authentication, which this client does not ` +
        'implement (SASL and polkit are not implemented; only auth "none" is): configure the daemon with ' +
        'auth_unix_rw / auth_tcp / auth_tls = "none" and secure the transport (TLS client certificates, SSH)',
      { details: { reason: 'auth-not-implemented', authTypes: [...authTypes] } },
    );
  }

  let keepalive = false;
  if (options.keepalive !== false) {
    keepalive = await supports(DriverFeature.PROGRAM_KEEPALIVE);
    if (keepalive) connection.startKeepalive(options.keepalive);
  }
  await call(RemoteProcedure.REMOTE_PROC_CONNECT_OPEN, {
    name: options.name,
    flags: options.readOnly ? 1 : 0,
  });
  const eventCallbacks = await supports(DriverFeature.REMOTE_EVENT_CALLBACK);
  return { keepalive, eventCallbacks };
}
