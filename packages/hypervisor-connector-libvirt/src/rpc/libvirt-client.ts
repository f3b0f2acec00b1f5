import { UnsupportedOperationError } from '@hvc/hypervisor-connector';
import { remoteProcedureCodecs } from '../protocol/generated/remote-procedures.gen.js';
import {
  REMOTE_PROGRAM,
  type RemoteNonnullDomain,
  RemoteProcedure,
} from '../protocol/generated/remote-protocol.gen.js';
import type { VirNetMessageHeader } from '../protocol/generated/virnet-protocol.gen.js';
import { XdrReader } from '../protocol/xdr/xdr-reader.js';
import { DOMAIN_EVENT_PROCEDURES, type DomainEventId, type DomainEventMessage } from './domain-events.js';
import type { LibvirtStream } from './libvirt-stream.js';
import { type RemoteArgs, type RemoteProcedureNumber, type RemoteRet, remoteCall } from './remote-call.js';
import { remoteProcedureName } from './remote-procedure-names.js';
import type { ConnectionClosed, RpcConnection } from './rpc-connection.js';

/** Options of one call. */
export interface LibvirtCallOptions {
  /** Aborting rejects the call with CANCELLED at once. The daemon still completes it; the reply is dropped. */
  readonly signal?: AbortSignal;
}

/** Options of a stream-opening call. */
export interface StreamOptions extends LibvirtCallOptions {
  /** Bytes the stream buffers for its reader before the connection stops reading (1 MiB by default). */
  readonly highWaterMark?: number;
}

/** `call`'s parameters after the procedure: arguments may be left out for procedures that take none. */
// biome-ignore lint/suspicious/noConfusingVoidType: the generated table marks "no payload" as void, as XDR does.
export type CallParameters<P extends RemoteProcedureNumber> = [RemoteArgs<P>] extends [void]
  ? [args?: undefined, options?: LibvirtCallOptions]
  : [args: RemoteArgs<P>, options?: LibvirtCallOptions];

/** Options of a domain event subscription. */
export interface DomainEventOptions extends LibvirtCallOptions {
  /** Only events of this domain; all domains when absent. */
  readonly domain?: RemoteNonnullDomain;
}

/** A registered domain event callback. */
export interface DomainEventSubscription {
  /** The daemon's id of the callback. */
  readonly callbackId: number;
  /** Stops delivery at once and deregisters the callback on the daemon. */
  close(options?: LibvirtCallOptions): Promise<void>;
}

/** What the opening handshake learnt about the daemon. */
export interface LibvirtServerFeatures {
  /** The daemon answers keepalive pings (the client then pings it). */
  readonly keepalive: boolean;
  /** Events can be registered with server-side callback ids. */
  readonly eventCallbacks: boolean;
}

interface EventRegistration {
  readonly procedure: number;
  readonly listener: (message: never) => void;
}

/**
 * A connection to one libvirt daemon, opened by `openLibvirt`: typed calls of every remote procedure (generated
 * from libvirt's `.x` files), streams, domain events, and the connection's state. Errors are the contract's
 * `HypervisorError`s with `details.libvirtCode`/`libvirtDomain` when the daemon raised them.
 */
export class LibvirtClient implements AsyncDisposable {
  /** The URI this client opened, without credentials. */
  readonly uri: string;
  /** What the daemon supports, learnt while opening. */
  readonly features: LibvirtServerFeatures;
  readonly #connection: RpcConnection;
  readonly #events = new Map<number, EventRegistration>();
  #closing: Promise<void> | undefined;

  /** @internal Use `openLibvirt`. */
  constructor(connection: RpcConnection, uri: string, features: LibvirtServerFeatures) {
    this.#connection = connection;
    this.uri = uri;
    this.features = features;
  }

  /** @internal Receives the connection's event messages (the connection exists before its client). */
  static messageHandler(getClient: () => LibvirtClient | undefined) {
    return (header: VirNetMessageHeader, payload: Uint8Array): void => {
      const client = getClient();
      if (client !== undefined) client.#onMessage(header, payload);
    };
  }

  /** Whether the connection is still open. */
  get isOpen(): boolean {
    return this.#connection.isOpen;
  }

  /** Settles once when the connection has closed, with the reason (`client`, `eof`, `keepalive`, ...). */
  get closed(): Promise<ConnectionClosed> {
    return this.#connection.closed;
  }

  /** Calls `listener` when the connection closes; returns a function that removes it. */
  onClose(listener: (closed: ConnectionClosed) => void): () => void {
    return this.#connection.onClose(listener);
  }

  /**
   * Calls a remote procedure: `client.call(RemoteProcedure.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name })`.
   * Calls run concurrently on the connection (the daemon runs up to its `max_client_requests` at once).
   */
  call<P extends RemoteProcedureNumber>(
    procedure: P,
    ...[args, options]: CallParameters<P>
  ): Promise<RemoteRet<P>> {
    return this.#connection.call(remoteCall(procedure, args as RemoteArgs<P>), options);
  }

  /**
   * Calls a procedure that opens a stream — `DOMAIN_OPEN_CONSOLE`, `STORAGE_VOL_UPLOAD`, `STORAGE_VOL_DOWNLOAD`,
   * `DOMAIN_SCREENSHOT`, ... — and resolves with the stream (a Node `Duplex`) and the call's reply.
   */
  openStream<P extends RemoteProcedureNumber>(
    procedure: P,
    args: RemoteArgs<P>,
    options: StreamOptions = {},
  ): Promise<{ stream: LibvirtStream; ret: RemoteRet<P> }> {
    return this.#connection.openStream(remoteCall(procedure, args), options);
  }

  /**
   * Registers `listener` for domain event `eventId` (of one domain, or all) and resolves once the daemon has
   * registered it. Messages are decoded to their generated type: `DomainEventMessage<typeof eventId>`.
   */
  async onDomainEvent<E extends DomainEventId>(
    eventId: E,
    listener: (message: DomainEventMessage<E>) => void,
    options: DomainEventOptions = {},
  ): Promise<DomainEventSubscription> {
    if (!this.features.eventCallbacks) {
      throw new UnsupportedOperationError(
        'events',
        `${this.uri}: the daemon does not support event callbacks (VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK)`,
      );
    }
    const procedure = DOMAIN_EVENT_PROCEDURES[eventId];
    const registerCodecs =
      remoteProcedureCodecs[RemoteProcedure.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY];
    const registration: EventRegistration = { procedure, listener };
    const ret = await this.#connection.call(
      {
        ...remoteCall(RemoteProcedure.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
          eventID: eventId,
          dom: options.domain ?? null,
        }),
        // Registered while the reply is decoded, so an event right behind the reply is not missed.
        retCodec: {
          encode: registerCodecs.ret.encode,
          decode: (reader) => {
            const decoded = registerCodecs.ret.decode(reader);
            this.#events.set(decoded.callbackID, registration);
            return decoded;
          },
        },
      },
      {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onLateReply: (late) => void this.#deregister(late.callbackID).catch(() => {}),
      },
    );
    const callbackId = ret.callbackID;
    return {
      callbackId,
      close: (closeOptions: LibvirtCallOptions = {}) => this.#deregister(callbackId, closeOptions),
    };
  }

  async #deregister(callbackId: number, options: LibvirtCallOptions = {}): Promise<void> {
    if (!this.#events.delete(callbackId) || !this.isOpen) return;
    await this.call(
      RemoteProcedure.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
      { callbackID: callbackId },
      options,
    );
  }

  /**
   * Leaves politely — `CONNECT_CLOSE`, then the socket is ended — and resolves when the connection is closed.
   * Calls still running fail with CANCELLED. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.isOpen) {
        try {
          await this.call(RemoteProcedure.REMOTE_PROC_CONNECT_CLOSE, undefined, {
            signal: AbortSignal.timeout(5000),
          });
        } catch {
          // The daemon may be gone already; closing our side is all that is left to do.
        }
      }
      this.#events.clear();
      await this.#connection.end();
    })();
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onMessage(header: VirNetMessageHeader, payload: Uint8Array): void {
    if (header.prog !== REMOTE_PROGRAM) return;
    const codecs = remoteProcedureCodecs[header.proc as RemoteProcedureNumber];
    if (codecs === undefined) return;
    let message: { callbackID?: unknown };
    try {
      const reader = new XdrReader(payload);
      message = codecs.msg.decode(reader) as { callbackID?: unknown };
      reader.assertEnd(remoteProcedureName(header.proc));
    } catch (error) {
      process.emitWarning(
        `libvirt: dropped a malformed ${remoteProcedureName(header.proc)} event: ${(error as Error).message}`,
      );
      return;
    }
    if (typeof message?.callbackID !== 'number') return;
    const registration = this.#events.get(message.callbackID);
    if (registration === undefined || registration.procedure !== header.proc) return;
    try {
      (registration.listener as (message: unknown) => void)(message);
    } catch (error) {
      // A listener's bug must not break the connection's packet loop; surface it as EventEmitter would.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
