import type { Duplex } from 'node:stream';
import {
  CancelledError,
  type HypervisorError,
  InternalError,
  InvalidArgumentError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import {
  KEEPALIVE_PROGRAM,
  KEEPALIVE_PROTOCOL_VERSION,
  KeepaliveProcedure,
} from '../protocol/generated/keepalive-protocol.gen.js';
import {
  VIR_NET_MESSAGE_LEN_MAX,
  VIR_NET_MESSAGE_MAX,
  VirNetMessageErrorCodec,
  type VirNetMessageHeader,
  VirNetMessageStatus,
  VirNetMessageType,
} from '../protocol/generated/virnet-protocol.gen.js';
import type { XdrCodec } from '../protocol/xdr/xdr-codec.js';
import { XdrReader } from '../protocol/xdr/xdr-reader.js';
import { FrameDecoder } from './frame-decoder.js';
import { KeepaliveMonitor, type KeepaliveOptions } from './keepalive.js';
import { LibvirtStream } from './libvirt-stream.js';
import { decodePacket, encodePacket, type Packet } from './packet.js';
import { LibvirtProtocolError } from './protocol-error.js';
import { remoteErrorToHypervisorError } from './remote-error.js';
import type { StreamChannel, StreamPacketSink } from './stream-channel.js';

const {
  VIR_NET_CALL,
  VIR_NET_REPLY,
  VIR_NET_MESSAGE,
  VIR_NET_STREAM,
  VIR_NET_REPLY_WITH_FDS,
  VIR_NET_STREAM_HOLE,
} = VirNetMessageType;
const { VIR_NET_OK, VIR_NET_ERROR, VIR_NET_CONTINUE } = VirNetMessageStatus;

/** Why a connection closed. */
export type CloseReason =
  /** `close()` was called. */
  | 'client'
  /** The daemon (or the transport) closed the connection. */
  | 'eof'
  /** The socket failed. */
  | 'error'
  /** The daemon stayed silent for the whole keepalive bound. */
  | 'keepalive'
  /** The daemon broke the wire protocol. */
  | 'protocol';

/** How a connection ended, and the error its unfinished calls received. */
export interface ConnectionClosed {
  readonly reason: CloseReason;
  readonly error: HypervisorError;
}

/** One call: which procedure of which program, its arguments and the codecs of both directions. */
export interface RpcCall<A, R> {
  readonly program: number;
  readonly version: number;
  readonly procedure: number;
  /** For errors, e.g. `REMOTE_PROC_DOMAIN_GET_INFO`. */
  readonly procedureName: string;
  readonly args: A;
  readonly argsCodec: XdrCodec<A>;
  readonly retCodec: XdrCodec<R>;
}

/** Options of one call. */
export interface RpcCallOptions<R> {
  /** Aborting rejects the call with CANCELLED at once; the daemon still runs it, its reply is dropped. */
  readonly signal?: AbortSignal;
  /**
   * Runs with the reply of a call that was aborted after it was sent, so a caller can undo what the daemon did
   * (deregister an event callback, abort a stream).
   */
  readonly onLateReply?: (ret: R) => void;
}

/** Options of an {@link RpcConnection}. */
export interface RpcConnectionOptions {
  /** A secret-free name of the peer (the URI without credentials), put into errors. */
  readonly target: string;
  /** Receives MESSAGE packets (events) of programs other than keepalive. */
  readonly onMessage?: (header: VirNetMessageHeader, payload: Uint8Array) => void;
  /**
   * Hand the transport one message per write, the next after the previous one was taken (the default: TLS needs
   * it, see `#write`). `false` writes the messages of one turn of the event loop together (one `writev`): for
   * transports without records (unix, TCP, SSH), where many calls in flight then cost one syscall, not one each.
   */
  readonly messagePerWrite?: boolean;
}

interface PendingCall {
  readonly procedureName: string;
  onReply(packet: Packet): void;
  fail(error: HypervisorError): void;
}

/**
 * One connection to a libvirt daemon over any byte stream (unix socket, TCP, TLS, an SSH channel): framing,
 * serial-numbered calls multiplexed and matched to their replies, errors mapped to `HypervisorError`, the
 * keepalive protocol, event messages and streams. When the connection is lost every pending call fails at once
 * with UNAVAILABLE (retryable), every stream is destroyed with it, and {@link closed} settles.
 */
export class RpcConnection {
  readonly #socket: Duplex;
  readonly #target: string;
  readonly #onMessage: RpcConnectionOptions['onMessage'];
  readonly #messagePerWrite: boolean;
  readonly #decoder = new FrameDecoder(VIR_NET_MESSAGE_MAX + VIR_NET_MESSAGE_LEN_MAX);
  readonly #pending = new Map<number, PendingCall>();
  readonly #streams = new Map<number, StreamPacketSink>();
  readonly #pausedBy = new Set<number>();
  /** Frames received but not yet dispatched (held while a stream reader applies backpressure). */
  readonly #backlog: Buffer[] = [];
  #draining = false;
  readonly #closeListeners = new Set<(closed: ConnectionClosed) => void>();
  readonly #closed: Promise<ConnectionClosed>;
  #resolveClosed!: (closed: ConnectionClosed) => void;
  #closedWith: ConnectionClosed | undefined;
  #keepalive: KeepaliveMonitor | undefined;
  #nextSerial = 1;
  /** Messages waiting for the previous write to complete. */
  readonly #writeQueue: { bytes: Uint8Array; done: ((error?: Error | null) => void) | undefined }[] = [];
  #writing = false;

  constructor(socket: Duplex, options: RpcConnectionOptions) {
    this.#socket = socket;
    this.#target = options.target;
    this.#onMessage = options.onMessage;
    this.#messagePerWrite = options.messagePerWrite ?? true;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    // 'close', not 'end': a transport may still report why it ended (an SSH bridge's exit status) in between.
    socket.on('close', () =>
      this.#close('eof', new UnavailableError(`${this.#target}: the libvirt daemon closed the connection`)),
    );
    socket.on('error', (error: Error) =>
      this.#close(
        'error',
        new UnavailableError(`${this.#target}: connection failed: ${error.message}`, { cause: error }),
      ),
    );
    // A transport may have read from the socket in paused mode (TLS reads libvirt's confirmation byte so).
    socket.resume();
  }

  /** Settles once when the connection has closed, with the reason. */
  get closed(): Promise<ConnectionClosed> {
    return this.#closed;
  }

  /** Whether calls can still be made. */
  get isOpen(): boolean {
    return this.#closedWith === undefined;
  }

  /** Calls `listener` once when the connection closes; returns a function that removes it. */
  onClose(listener: (closed: ConnectionClosed) => void): () => void {
    if (this.#closedWith !== undefined) {
      const closed = this.#closedWith;
      queueMicrotask(() => listener(closed));
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Sends a call and resolves with its decoded reply, or rejects with a `HypervisorError`. */
  call<A, R>(call: RpcCall<A, R>, options: RpcCallOptions<R> = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const serial = this.#begin(call, options, reject);
      if (serial === undefined) return;
      this.#track(serial, call, options, resolve, reject);
    });
  }

  /**
   * Sends a call that opens a stream (`DOMAIN_OPEN_CONSOLE`, `STORAGE_VOL_UPLOAD`, `STORAGE_VOL_DOWNLOAD`, ...)
   * and resolves with the stream once the daemon accepted the call. The stream is registered before the call
   * is sent, so data that follows the reply at once is not lost.
   */
  openStream<A, R>(
    call: RpcCall<A, R>,
    options: { readonly signal?: AbortSignal; readonly highWaterMark?: number } = {},
  ): Promise<{ stream: LibvirtStream; ret: R }> {
    return new Promise((resolve, reject) => {
      const serial = this.#begin(call, options, reject);
      if (serial === undefined) return;
      const stream = new LibvirtStream(this.#streamChannel(serial, call), {
        ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
      });
      this.#streams.set(serial, stream);
      this.#track(
        serial,
        call,
        // A stream the caller no longer wants is aborted as soon as the daemon has opened it.
        { ...options, onLateReply: () => stream.destroy() },
        (ret) => {
          stream.markDelivered();
          resolve({ stream, ret });
        },
        (error) => {
          // Refused by the daemon, or the connection failed: there is no stream to abort. (When the caller aborted,
          // the stream stays registered until the late reply says whether the daemon opened it.)
          if (!CancelledError.isInstance(error)) this.#streams.delete(serial);
          reject(error);
        },
      );
    });
  }

  /** Starts answering and sending keepalive pings; call after the daemon said it supports them. */
  startKeepalive(options: KeepaliveOptions): void {
    if (this.#keepalive !== undefined || this.#closedWith !== undefined) return;
    this.#keepalive = new KeepaliveMonitor(options, {
      sendPing: () => this.#sendKeepalive(KeepaliveProcedure.KEEPALIVE_PROC_PING),
      onDead: (silenceMs) =>
        this.#close(
          'keepalive',
          new UnavailableError(
            `${this.#target}: the libvirt daemon did not answer for ${Math.round(silenceMs)} ms (keepalive): ` +
              'it is frozen, overloaded or unreachable',
            { details: { keepaliveIntervalMs: options.intervalMs, keepaliveCount: options.count } },
          ),
        ),
    });
    this.#keepalive.start();
  }

  /**
   * Ends the connection from our side: unfinished calls fail with CANCELLED, the socket is ended gracefully
   * (and destroyed if the peer does not close within `graceMs`).
   */
  end(graceMs = 2000): Promise<ConnectionClosed> {
    if (this.#closedWith === undefined) {
      this.#close(
        'client',
        new CancelledError(`${this.#target}: the libvirt connection was closed by the client`),
        {
          graceful: true,
          graceMs,
        },
      );
    }
    return this.#closed;
  }

  /** Closes at once, failing everything with `error`. */
  destroy(error: HypervisorError): void {
    this.#close('client', error);
  }

  #begin<A, R>(
    call: RpcCall<A, R>,
    options: { signal?: AbortSignal },
    reject: (error: unknown) => void,
  ): number | undefined {
    if (this.#closedWith !== undefined) {
      reject(this.#closedWith.error);
      return undefined;
    }
    if (options.signal?.aborted) {
      reject(
        new CancelledError(`${call.procedureName} was aborted before it was sent`, {
          cause: options.signal.reason,
        }),
      );
      return undefined;
    }
    const serial = this.#allocateSerial();
    let bytes: Uint8Array;
    try {
      bytes = encodePacket(
        {
          prog: call.program,
          vers: call.version,
          proc: call.procedure,
          type: VIR_NET_CALL,
          serial,
          status: VIR_NET_OK,
        },
        (writer) => call.argsCodec.encode(writer, call.args),
        VIR_NET_MESSAGE_MAX + VIR_NET_MESSAGE_LEN_MAX,
      );
    } catch (error) {
      reject(
        new InvalidArgumentError(`invalid arguments for ${call.procedureName}: ${(error as Error).message}`, {
          cause: error,
          target: this.#target,
        }),
      );
      return undefined;
    }
    this.#write(bytes);
    return serial;
  }

  #track<A, R>(
    serial: number,
    call: RpcCall<A, R>,
    options: RpcCallOptions<R>,
    resolve: (value: R) => void,
    reject: (error: HypervisorError) => void,
  ): void {
    const { signal } = options;
    const onAbort = (): void => {
      // Keep the serial reserved so the late reply is recognised and dropped (or handed to onLateReply).
      this.#pending.set(serial, {
        procedureName: call.procedureName,
        onReply: (packet) => {
          this.#pending.delete(serial);
          if (packet.header.status !== VIR_NET_OK) {
            this.#streams.delete(serial);
            return;
          }
          if (options.onLateReply === undefined) return;
          try {
            options.onLateReply(this.#decodeReply(call, packet.payload));
          } catch {
            // The caller gave up on this reply; a malformed one changes nothing.
          }
        },
        fail: () => {},
      });
      reject(
        new CancelledError(`${call.procedureName} was aborted`, {
          cause: signal?.reason,
          target: this.#target,
        }),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      this.#pending.delete(serial);
      signal?.removeEventListener('abort', onAbort);
    };
    this.#pending.set(serial, {
      procedureName: call.procedureName,
      onReply: (packet) => {
        settle();
        if (packet.header.status === VIR_NET_OK) {
          let ret: R;
          try {
            ret = this.#decodeReply(call, packet.payload);
          } catch (error) {
            reject(error as HypervisorError);
            return;
          }
          resolve(ret);
        } else {
          reject(this.#decodeError(packet.payload, call.procedureName));
        }
      },
      fail: (error) => {
        settle();
        reject(error);
      },
    });
  }

  #decodeReply<A, R>(call: RpcCall<A, R>, payload: Uint8Array): R {
    try {
      const reader = new XdrReader(payload);
      const ret = call.retCodec.decode(reader);
      reader.assertEnd(`the reply to ${call.procedureName}`);
      return ret;
    } catch (error) {
      throw new InternalError(
        `could not decode the reply to ${call.procedureName}: ${(error as Error).message}`,
        {
          cause: error,
          target: this.#target,
        },
      );
    }
  }

  #decodeError(payload: Uint8Array, procedureName: string): HypervisorError {
    try {
      const reader = new XdrReader(payload);
      const error = VirNetMessageErrorCodec.decode(reader);
      return remoteErrorToHypervisorError(error, { procedure: procedureName, target: this.#target });
    } catch (error) {
      return new InternalError(
        `could not decode the error of ${procedureName}: ${(error as Error).message}`,
        {
          cause: error,
          target: this.#target,
        },
      );
    }
  }

  #allocateSerial(): number {
    for (;;) {
      const serial = this.#nextSerial;
      this.#nextSerial = serial >= 0xffff_ffff ? 1 : serial + 1;
      if (!this.#pending.has(serial) && !this.#streams.has(serial)) return serial;
    }
  }

  #streamChannel<A, R>(serial: number, call: RpcCall<A, R>): StreamChannel {
    const send = (
      status: VirNetMessageStatus,
      data: Uint8Array,
      done?: (error?: Error | null) => void,
    ): void => {
      if (this.#closedWith !== undefined) {
        done?.(this.#closedWith.error);
        return;
      }
      const bytes = encodePacket(
        {
          prog: call.program,
          vers: call.version,
          proc: call.procedure,
          type: VIR_NET_STREAM,
          serial,
          status,
        },
        (writer) => writer.writeRaw(data),
        VIR_NET_MESSAGE_MAX + VIR_NET_MESSAGE_LEN_MAX,
      );
      this.#write(bytes, done);
    };
    return {
      sendData: (data, done) => send(VIR_NET_CONTINUE, data, done),
      sendFinish: () => send(VIR_NET_OK, new Uint8Array(0)),
      sendAbort: () => send(VIR_NET_ERROR, new Uint8Array(0)),
      setReadPaused: (paused) => this.#setPausedBy(serial, paused),
      release: () => {
        this.#streams.delete(serial);
        this.#setPausedBy(serial, false);
      },
    };
  }

  /**
   * Writes one message once the previous one has been handed to the transport. One message per write matters
   * for TLS: Node joins queued writes into one TLS record, and libvirtd (9.0) reads one message out of a record
   * and leaves the rest in GnuTLS's buffer until more bytes arrive on the socket — the calls behind it would
   * stall until the next keepalive.
   */
  #write(bytes: Uint8Array, done?: (error?: Error | null) => void): void {
    if (!this.#messagePerWrite) {
      if (this.#closedWith !== undefined) {
        done?.(this.#closedWith.error);
        return;
      }
      // Messages written in one turn of the event loop leave in one writev.
      if (this.#socket.writableCorked === 0) {
        this.#socket.cork();
        process.nextTick(() => this.#socket.uncork());
      }
      this.#socket.write(bytes, done === undefined ? undefined : (error) => done(error ?? null));
      return;
    }
    this.#writeQueue.push({ bytes, done });
    if (!this.#writing) this.#writeNext();
  }

  #writeNext(): void {
    if (this.#closedWith !== undefined) {
      this.#writing = false;
      for (const { done } of this.#writeQueue.splice(0)) done?.(this.#closedWith.error);
      return;
    }
    const next = this.#writeQueue.shift();
    this.#writing = next !== undefined;
    if (next === undefined) return;
    this.#socket.write(next.bytes, (error) => {
      next.done?.(error ?? null);
      this.#writeNext();
    });
  }

  #setPausedBy(serial: number, paused: boolean): void {
    const before = this.#pausedBy.size > 0;
    if (paused) this.#pausedBy.add(serial);
    else this.#pausedBy.delete(serial);
    const after = this.#pausedBy.size > 0;
    if (before === after || this.#closedWith !== undefined) return;
    this.#keepalive?.setPaused(after);
    if (after) {
      this.#socket.pause();
    } else {
      this.#socket.resume();
      // Resumed from inside a dispatch (a reader pulling synchronously): the running drain carries on.
      queueMicrotask(() => this.#drain());
    }
  }

  #sendKeepalive(procedure: number): void {
    if (this.#closedWith !== undefined) return;
    this.#write(
      encodePacket(
        {
          prog: KEEPALIVE_PROGRAM,
          vers: KEEPALIVE_PROTOCOL_VERSION,
          proc: procedure,
          type: VIR_NET_MESSAGE,
          serial: 0,
          status: VIR_NET_OK,
        },
        () => {},
        64,
      ),
    );
  }

  #onData(chunk: Buffer): void {
    if (this.#closedWith !== undefined) return;
    try {
      this.#backlog.push(...this.#decoder.push(chunk));
    } catch (error) {
      this.#protocolViolation(error);
      return;
    }
    this.#drain();
  }

  /** Dispatches decoded frames in order, stopping while a stream reader is full (its backpressure). */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#backlog.length > 0 && this.#pausedBy.size === 0 && this.#closedWith === undefined) {
        const frame = this.#backlog.shift()!;
        let packet: Packet;
        try {
          packet = decodePacket(frame);
        } catch (error) {
          this.#protocolViolation(error);
          return;
        }
        this.#keepalive?.received();
        this.#dispatch(packet);
      }
    } finally {
      this.#draining = false;
    }
  }

  #dispatch(packet: Packet): void {
    const { header, payload } = packet;
    switch (header.type) {
      case VIR_NET_REPLY:
      case VIR_NET_REPLY_WITH_FDS: {
        const pending = this.#pending.get(header.serial);
        if (pending !== undefined) {
          pending.onReply(packet);
          return;
        }
        // An error reply to a stream's finish or abort.
        if (header.status === VIR_NET_ERROR) {
          this.#streams.get(header.serial)?.onError(this.#decodeError(payload, 'stream'));
        }
        return;
      }
      case VIR_NET_MESSAGE:
        if (header.prog === KEEPALIVE_PROGRAM) {
          if (header.proc === KeepaliveProcedure.KEEPALIVE_PROC_PING) {
            this.#sendKeepalive(KeepaliveProcedure.KEEPALIVE_PROC_PONG);
          }
          return;
        }
        this.#onMessage?.(header, payload);
        return;
      case VIR_NET_STREAM: {
        const stream = this.#streams.get(header.serial);
        if (stream === undefined) return;
        if (header.status === VIR_NET_CONTINUE) {
          if (payload.length === 0) stream.onEnd();
          else stream.onData(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
        } else if (header.status === VIR_NET_OK) {
          stream.onFinishConfirmed();
        } else {
          stream.onError(this.#decodeError(payload, 'stream'));
        }
        return;
      }
      case VIR_NET_STREAM_HOLE:
        // Holes come only on sparse streams, which this client never asks for.
        this.#streams
          .get(header.serial)
          ?.onError(
            new InternalError('the daemon sent a sparse-stream hole on a stream opened without holes'),
          );
        return;
      default:
        this.#protocolViolation(
          new LibvirtProtocolError(`unexpected packet type ${header.type} from the daemon`),
        );
    }
  }

  #protocolViolation(error: unknown): void {
    const cause =
      error instanceof LibvirtProtocolError
        ? error
        : new LibvirtProtocolError(String(error), { cause: error });
    this.#close(
      'protocol',
      new UnavailableError(`${this.#target}: protocol violation, connection closed: ${cause.message}`, {
        cause,
      }),
    );
  }

  #close(
    reason: CloseReason,
    error: HypervisorError,
    how: { graceful: boolean; graceMs: number } = { graceful: false, graceMs: 0 },
  ): void {
    if (this.#closedWith !== undefined) return;
    const closed: ConnectionClosed = { reason, error };
    this.#closedWith = closed;
    this.#keepalive?.stop();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of pending) call.fail(error);
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) stream.onError(error);
    if (how.graceful) {
      this.#socket.end();
      const timer = setTimeout(() => this.#socket.destroy(), how.graceMs);
      timer.unref();
      this.#socket.once('close', () => clearTimeout(timer));
    } else {
      this.#socket.destroy();
    }
    this.#resolveClosed(closed);
    for (const listener of this.#closeListeners) listener(closed);
    this.#closeListeners.clear();
  }
}
