import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { RemoteProcedure } from '../../../src/protocol/generated/remote-protocol.gen.js';
import {
  type VirNetMessageError,
  VirNetMessageErrorCodec,
  type VirNetMessageHeader,
  VirNetMessageStatus,
  VirNetMessageType,
} from '../../../src/protocol/generated/virnet-protocol.gen.js';
import type { XdrCodec } from '../../../src/protocol/xdr/xdr-codec.js';
import { XdrReader } from '../../../src/protocol/xdr/xdr-reader.js';
import { XdrWriter } from '../../../src/protocol/xdr/xdr-writer.js';
import { FrameDecoder } from '../../../src/rpc/frame-decoder.js';
import { decodePacket, encodePacket } from '../../../src/rpc/packet.js';

/** A packet the fake daemon received. */
export interface ReceivedPacket {
  readonly header: VirNetMessageHeader;
  readonly payload: Uint8Array;
}

/** Encodes one value with a codec. */
export function xdr<T>(codec: XdrCodec<T>, value: T): Uint8Array {
  const writer = new XdrWriter();
  codec.encode(writer, value);
  return writer.toBytes().slice();
}

/** Decodes a payload with a codec. */
export function unxdr<T>(codec: XdrCodec<T>, payload: Uint8Array): T {
  return codec.decode(new XdrReader(payload));
}

/** A libvirt error payload. */
export function remoteError(code: number, message: string, domain = 10): Uint8Array {
  const error: VirNetMessageError = {
    code,
    domain,
    message,
    level: 2,
    dom: null,
    str1: null,
    str2: null,
    str3: null,
    int1: 0,
    int2: 0,
    net: null,
  };
  return xdr(VirNetMessageErrorCodec, error);
}

/** One client connection, seen from the fake daemon. */
export class FakePeer {
  readonly socket: Duplex;
  readonly received: ReceivedPacket[] = [];
  readonly #waiters: ((packet: ReceivedPacket) => void)[] = [];
  readonly #decoder = new FrameDecoder(64 * 1024 * 1024);
  /** When set, answers each call itself (the handshake, or a whole scripted daemon). */
  autoReply: ((packet: ReceivedPacket) => boolean) | undefined;

  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#decoder.push(chunk)) {
        const packet = decodePacket(frame);
        const copy = { header: packet.header, payload: packet.payload.slice() };
        if (this.autoReply?.(copy)) continue;
        const waiter = this.#waiters.shift();
        if (waiter) waiter(copy);
        else this.received.push(copy);
      }
    });
    socket.on('error', () => {});
  }

  /** The next packet not answered automatically. */
  next(): Promise<ReceivedPacket> {
    const queued = this.received.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Sends a packet shaped like `to`'s header with the given type, status and payload. */
  send(
    to: VirNetMessageHeader,
    payload: Uint8Array,
    type: VirNetMessageType = VirNetMessageType.VIR_NET_REPLY,
    status: VirNetMessageStatus = VirNetMessageStatus.VIR_NET_OK,
  ): void {
    this.socket.write(
      encodePacket({ ...to, type, status }, (writer) => writer.writeRaw(payload), 64 * 1024 * 1024),
    );
  }

  /** Replies OK to `call` with `payload`. */
  reply(call: ReceivedPacket, payload: Uint8Array = new Uint8Array(0)): void {
    this.send(call.header, payload);
  }

  /** Replies ERROR to `call`. */
  fail(call: ReceivedPacket, code: number, message: string): void {
    this.send(
      call.header,
      remoteError(code, message),
      VirNetMessageType.VIR_NET_REPLY,
      VirNetMessageStatus.VIR_NET_ERROR,
    );
  }

  /** Answers libvirt's opening sequence: auth none, every feature supported. */
  answerHandshake(options: { authTypes?: number[]; features?: boolean } = {}): void {
    this.autoReply = (packet) => {
      const word = (value: number): Uint8Array =>
        xdr({ encode: (w, v: number) => w.writeInt(v), decode: (r) => r.readInt() }, value);
      switch (packet.header.proc) {
        case RemoteProcedure.REMOTE_PROC_AUTH_LIST: {
          const types = options.authTypes ?? [0];
          const writer = new XdrWriter();
          writer.writeArray(types, 20, (w, v) => w.writeInt(v));
          this.reply(packet, writer.toBytes().slice());
          return true;
        }
        case RemoteProcedure.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE:
          this.reply(packet, word(options.features === false ? 0 : 1));
          return true;
        case RemoteProcedure.REMOTE_PROC_CONNECT_OPEN:
        case RemoteProcedure.REMOTE_PROC_CONNECT_CLOSE:
          this.reply(packet);
          return true;
        default:
          return false;
      }
    };
  }
}

/** A server on loopback (TCP, TLS or a unix socket) whose connections are handed to the test as {@link FakePeer}s. */
export class FakeDaemon {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #peers: FakePeer[] = [];
  readonly #waiters: ((peer: FakePeer) => void)[] = [];

  /** `server` defaults to a plain TCP server; a TLS server must emit its sockets as `secureConnection`. */
  constructor(server: Server = createServer()) {
    this.#server = server;
    const adopt = (socket: Socket): void => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      const peer = new FakePeer(socket);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(peer);
      else this.#peers.push(peer);
    };
    server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', adopt);
  }

  /** Starts listening on 127.0.0.1 (or on the unix socket `path`) and resolves with the port (0 for a path). */
  listen(path?: string): Promise<number> {
    return new Promise((resolve) => {
      const done = (): void =>
        resolve(path === undefined ? (this.#server.address() as { port: number }).port : 0);
      if (path === undefined) this.#server.listen(0, '127.0.0.1', done);
      else this.#server.listen(path, done);
    });
  }

  /** The next client connection. */
  peer(): Promise<FakePeer> {
    const queued = this.#peers.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
